#ifndef BERTH_SPIN_PAUSE_H
#define BERTH_SPIN_PAUSE_H

/// Tells the CPU the thread is spinning on a flag (x86 `pause`, Arm `yield`): it stops speculating ahead, saves
/// power and leaves the core's other hardware thread the pipeline. RowWorkers.swift spins with it.
static inline void berth_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif
