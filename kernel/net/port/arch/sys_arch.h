/* SPDX-License-Identifier: MIT */
/*
 * lwIP's operating-system layer on hermit-c (kernel/net/sys_arch.c):
 * semaphores, mutexes and mailboxes that block kernel and app threads
 * through the scheduler, and kernel threads. Each object is a pointer to a
 * kernel-heap structure; NULL is "invalid".
 */
#ifndef LWIP_ARCH_SYS_ARCH_H
#define LWIP_ARCH_SYS_ARCH_H

struct sys_sem;
struct sys_mbox;
struct thread;

typedef struct sys_sem *sys_sem_t;
typedef struct sys_sem *sys_mutex_t;
typedef struct sys_mbox *sys_mbox_t;
typedef struct thread *sys_thread_t;
typedef int sys_prot_t;

#define sys_sem_valid(s)	     (*(s) != NULL)
#define sys_sem_set_invalid(s)	     (*(s) = NULL)
#define sys_mutex_valid(m)	     (*(m) != NULL)
#define sys_mutex_set_invalid(m)     (*(m) = NULL)
#define sys_mbox_valid(m)	     (*(m) != NULL)
#define sys_mbox_set_invalid(m)	     (*(m) = NULL)
#define sys_sem_valid_val(s)	     ((s) != NULL)
#define sys_sem_set_invalid_val(s)   ((s) = NULL)
#define sys_mbox_valid_val(m)	     ((m) != NULL)
#define sys_mbox_set_invalid_val(m)  ((m) = NULL)

/* Messages waiting in a mailbox (for readiness checks). */
unsigned sys_mbox_count(sys_mbox_t *mbox);

#endif
