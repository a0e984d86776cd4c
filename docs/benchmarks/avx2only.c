/*
 * avx2only: make one process see an AVX2 CPU (no AVX-512, VNNI or AMX) on
 * a machine that has more, to measure what an AVX2 machine (AMD Zen 3)
 * runs. It is a measurement aid for docs/benchmarks.md, not part of
 * tdn_plugin.
 *
 *   gcc -O2 -shared -fPIC -o /tmp/avx2only.so docs/benchmarks/avx2only.c -ldl
 *   LD_PRELOAD=/tmp/avx2only.so tdn benchmark ...
 *
 * ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 lower PyTorch's own
 * kernels and oneDNN only. Every other library in the process picks its
 * kernels from the cpuid instruction: ONNX Runtime's MLAS (its int8 kernels
 * use VNNI or AMX when cpuid reports them), oneMKL (PyTorch's matrix
 * products), OpenVINO. This library turns on Linux's CPUID faulting
 * (arch_prctl(ARCH_SET_CPUID, 0): the CPU must list `cpuid_fault` in
 * /proc/cpuinfo), so that each cpuid instruction of the process raises
 * SIGSEGV; its handler runs the real cpuid and clears the AVX-512, VNNI,
 * AVX-VNNI and AMX feature bits (and the AVX-512 state in the XSAVE leaf)
 * before returning the result. PyTorch, oneDNN, oneMKL and ONNX Runtime
 * then run their AVX2 kernels: PyTorch's capability reads AVX2, oneDNN's
 * ISA "Intel AVX2", oneMKL's verbose mode "Intel(R) AVX2".
 *
 * What it cannot change: the CPU's caches, cores and clocks (an AVX2 Intel
 * core is not a Zen 3 core); the vendor string (still the real one); and
 * glibc's own string functions, chosen before this library is loaded.
 *
 * The setting is per thread and inherited by threads and children;
 * execve() resets it and LD_PRELOAD sets it again. A SIGSEGV handler that
 * the program installs later with sigaction() is kept and called for every
 * fault that is not a cpuid.
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <cpuid.h>
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#define BIT(n) (1u << (n))

typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);

static struct sigaction program_handler; /* the program's own SIGSEGV handler */
static unsigned long faults;

static int cpuid_enabled(int on) {
  return (int)syscall(SYS_arch_prctl, ARCH_SET_CPUID, on);
}

static sigaction_fn real_sigaction(void) {
  static sigaction_fn real;
  if (!real) real = (sigaction_fn)dlsym(RTLD_NEXT, "sigaction");
  return real;
}

/* Clear what an AVX2 machine lacks: leaf 7 subleaf 0 (EBX: AVX-512 F, DQ,
 * IFMA, PF, ER, CD, BW, VL; ECX: VBMI, VBMI2, VNNI, BITALG, VPOPCNTDQ;
 * EDX: 4VNNIW, 4FMAPS, VP2INTERSECT, AMX-BF16, AVX512-FP16, AMX-TILE,
 * AMX-INT8), leaf 7 subleaf 1 (EAX: AVX-VNNI, AVX512-BF16), leaf 0xD
 * subleaf 0 (EAX: the opmask/ZMM state components and AMX tile state). */
static void mask(unsigned leaf, unsigned sub, unsigned *a, unsigned *b,
                 unsigned *c, unsigned *d) {
  if (leaf == 7 && sub == 0) {
    *b &= ~(BIT(16) | BIT(17) | BIT(21) | BIT(26) | BIT(27) | BIT(28) |
            BIT(30) | BIT(31));
    *c &= ~(BIT(1) | BIT(6) | BIT(11) | BIT(12) | BIT(14));
    *d &= ~(BIT(2) | BIT(3) | BIT(8) | BIT(22) | BIT(23) | BIT(24) |
            BIT(25));
  } else if (leaf == 7 && sub == 1) {
    *a &= ~(BIT(4) | BIT(5));
  } else if (leaf == 0xd && sub == 0) {
    *a &= ~(BIT(5) | BIT(6) | BIT(7) | BIT(17) | BIT(18));
  }
}

static void on_segv(int sig, siginfo_t *info, void *context) {
  ucontext_t *uc = context;
  greg_t *reg = uc->uc_mcontext.gregs;
  const unsigned char *ip = (const unsigned char *)reg[REG_RIP];
  if (ip[0] == 0x0f && ip[1] == 0xa2) { /* cpuid */
    unsigned a, b, c, d;
    cpuid_enabled(1);
    __cpuid_count((unsigned)reg[REG_RAX], (unsigned)reg[REG_RCX], a, b, c, d);
    cpuid_enabled(0);
    mask((unsigned)reg[REG_RAX], (unsigned)reg[REG_RCX], &a, &b, &c, &d);
    reg[REG_RAX] = a;
    reg[REG_RBX] = b;
    reg[REG_RCX] = c;
    reg[REG_RDX] = d;
    reg[REG_RIP] += 2;
    __atomic_add_fetch(&faults, 1, __ATOMIC_RELAXED);
    return;
  }
  if ((program_handler.sa_flags & SA_SIGINFO) && program_handler.sa_sigaction)
    program_handler.sa_sigaction(sig, info, context);
  else if (program_handler.sa_handler != SIG_DFL &&
           program_handler.sa_handler != SIG_IGN)
    program_handler.sa_handler(sig);
  else
    signal(SIGSEGV, SIG_DFL); /* a real fault: it recurs and ends the process */
}

/* The program's SIGSEGV handlers are kept behind ours, not installed. */
int sigaction(int sig, const struct sigaction *act, struct sigaction *old) {
  if (sig != SIGSEGV) return real_sigaction()(sig, act, old);
  if (old) *old = program_handler;
  if (act) program_handler = *act;
  return 0;
}

__attribute__((constructor)) static void start(void) {
  struct sigaction handler;
  memset(&handler, 0, sizeof handler);
  handler.sa_sigaction = on_segv;
  handler.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&handler.sa_mask);
  real_sigaction()(SIGSEGV, &handler, NULL);
  if (cpuid_enabled(0) != 0) {
    perror("avx2only: CPUID faulting (arch_prctl ARCH_SET_CPUID) is not "
           "available on this machine");
    exit(2);
  }
}

__attribute__((destructor)) static void stop(void) {
  if (getenv("AVX2ONLY_VERBOSE"))
    fprintf(stderr, "avx2only: %lu cpuid instructions answered\n", faults);
}
