/* SPDX-License-Identifier: MIT */
/*
 * Running the guest: one host thread per vCPU, all let go at once. The
 * first vCPU to end the guest (the EXIT hypercall, or a fatal error) sets
 * uhyve's exit status and kicks every other vCPU out of KVM_RUN;
 * run_guest joins every thread before it returns, so nothing of the guest
 * runs after it.
 *
 * The kick is a signal, RUN_KICK, that vCPU threads keep blocked except
 * inside KVM_RUN (KVM_SET_SIGNAL_MASK) and while READ waits for input
 * (hc_env.wait_mask). A kick that comes between a thread's test of `stop`
 * and its KVM_RUN stays pending and makes KVM_RUN return EINTR at once:
 * none is lost, whether the vCPU computes, halts or waits for input.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "uhyve.h"

#define RUN_KICK SIGUSR1

struct run_thread {
	struct run *r;
	struct vcpu *c;
};

double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The kick only has to interrupt a system call. */
static void run_kick_handler(int sig)
{
	(void)sig;
}

/* End the guest with status unless a vCPU already has; true for the first
 * caller, who then says why. Kicks every other vCPU thread. */
bool run_end(struct run *r, int status)
{
	bool first;
	unsigned i;

	pthread_mutex_lock(&r->lock);
	first = !atomic_load(&r->stop);
	if (first) {
		r->status = status;
		atomic_store(&r->stop, true);
	}
	pthread_mutex_unlock(&r->lock);
	for (i = 0; first && i < r->vm->ncpus; i++) {
		const struct vcpu *c = &r->vm->cpus[i];

		if (c->started && !pthread_equal(c->thread, pthread_self()))
			pthread_kill(c->thread, RUN_KICK);
	}
	return first;
}

/* A vCPU thread: wait until all exist, then run the vCPU. */
static void *run_thread(void *arg)
{
	struct run_thread *t = arg;
	struct run *r = t->r;

	pthread_mutex_lock(&r->lock);
	while (!r->go)
		pthread_cond_wait(&r->go_cond, &r->lock);
	pthread_mutex_unlock(&r->lock);
	vcpu_loop(r, t->c);
	return NULL;
}

/* Let RUN_KICK through while vCPU c is in KVM_RUN. */
static int run_set_kvm_mask(const struct vcpu *c, const sigset_t *mask)
{
	struct {
		struct kvm_signal_mask hdr;
		uint8_t set[8]; /* the kernel's sigset_t: signals 1-64 */
	} m = {.hdr.len = sizeof(m.set)};

	memcpy(m.set, mask, sizeof(m.set));
	return ioctl(c->fd, KVM_SET_SIGNAL_MASK, &m);
}

/* Start a thread per vCPU (with RUN_KICK blocked), or end the guest with
 * UHYVE_EXIT_NOKVM and say why. */
static void run_start(struct run *r, struct run_thread *t, const sigset_t *run_mask)
{
	unsigned i;
	int e;

	for (i = 0; i < r->vm->ncpus; i++) {
		struct vcpu *c = &r->vm->cpus[i];

		t[i] = (struct run_thread){.r = r, .c = c};
		if (run_set_kvm_mask(c, run_mask) < 0) {
			e = errno;
			if (run_end(r, UHYVE_EXIT_NOKVM))
				fprintf(stderr, "uhyve: vCPU %u: KVM_SET_SIGNAL_MASK: %s\n", i,
					strerror(e));
			return;
		}
		e = pthread_create(&c->thread, NULL, run_thread, &t[i]);
		if (e) {
			if (run_end(r, UHYVE_EXIT_NOKVM))
				fprintf(stderr, "uhyve: vCPU %u: cannot start its thread: %s\n", i,
					strerror(e));
			return;
		}
		c->started = true;
	}
}

/* Run the guest to its end; returns uhyve's exit status, *ms the time
 * from letting the vCPUs go to the last thread's end. */
int run_guest(struct vm *vm, const struct hc_env *env, const struct image *im, bool verbose,
	      double *ms)
{
	struct run r = {.vm = vm, .im = im, .verbose = verbose};
	struct hc_env henv = *env;
	struct sigaction sa = {.sa_handler = run_kick_handler}; /* no SA_RESTART */
	sigset_t kick, old, run_mask;
	struct run_thread *t = calloc(vm->ncpus, sizeof(*t));
	char err[ERRLEN];
	double t0;
	unsigned i;

	if (!t) {
		fprintf(stderr, "uhyve: out of memory for %u vCPU threads\n", vm->ncpus);
		return UHYVE_EXIT_NOKVM;
	}
	pthread_mutex_init(&r.lock, NULL);
	pthread_cond_init(&r.go_cond, NULL);
	atomic_init(&r.stop, false);
	sigaction(RUN_KICK, &sa, NULL);
	sigemptyset(&kick);
	sigaddset(&kick, RUN_KICK);
	pthread_sigmask(SIG_BLOCK, &kick, &old);
	run_mask = old;
	sigdelset(&run_mask, RUN_KICK);
	henv.wait_mask = &run_mask;
	r.env = &henv;

	run_start(&r, t, &run_mask);
	if (env->net && vnet_start(env->net, &r, err) < 0 && run_end(&r, UHYVE_EXIT_NOKVM))
		fprintf(stderr, "uhyve: %s\n", err);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	t0 = now_ms();
	pthread_mutex_lock(&r.lock);
	r.go = true;
	pthread_cond_broadcast(&r.go_cond);
	pthread_mutex_unlock(&r.lock);
	for (i = 0; i < vm->ncpus; i++)
		if (vm->cpus[i].started)
			pthread_join(vm->cpus[i].thread, NULL);
	*ms = now_ms() - t0;
	if (env->net)
		vnet_stop(env->net);
	for (i = 0; i < vm->ncpus; i++)
		vm->cpus[i].started = false;
	pthread_cond_destroy(&r.go_cond);
	pthread_mutex_destroy(&r.lock);
	free(t);
	return r.status;
}

/* One line of VM exit counts: "<label> N (kind n, ...)". */
static void run_print_exits(const char *label, const uint64_t *exits)
{
	uint64_t total = 0;
	const char *sep = " (";
	unsigned i;

	for (i = 0; i < 64; i++)
		total += exits[i];
	fprintf(stderr, "uhyve: %s %llu", label, (unsigned long long)total);
	for (i = 0; i < 64; i++) {
		if (!exits[i])
			continue;
		fprintf(stderr, "%s%s %llu", sep, vcpu_exit_name(i), (unsigned long long)exits[i]);
		sep = ", ";
	}
	fprintf(stderr, "%s\n", total ? ")" : "");
}

/* The -v summary: VM exits in all and per vCPU, hypercalls in all. */
void run_print_stats(const struct vm *vm)
{
	uint64_t exits[64] = {0}, calls[UHYVE_HC_COUNT] = {0};
	char label[32];
	unsigned i, k;

	for (i = 0; i < vm->ncpus; i++) {
		for (k = 0; k < 64; k++)
			exits[k] += vm->cpus[i].st.exits[k];
		for (k = 0; k < UHYVE_HC_COUNT; k++)
			calls[k] += vm->cpus[i].st.calls[k];
	}
	run_print_exits("VM exits:", exits);
	for (i = 0; vm->ncpus > 1 && i < vm->ncpus; i++) {
		snprintf(label, sizeof(label), "  vCPU %u:", i);
		run_print_exits(label, vm->cpus[i].st.exits);
	}
	fprintf(stderr, "uhyve: hypercalls:");
	for (k = 0; k < UHYVE_HC_COUNT; k++)
		fprintf(stderr, "%s %s %llu", k ? "," : "", hc_name(k),
			(unsigned long long)calls[k]);
	fprintf(stderr, "\n");
}
