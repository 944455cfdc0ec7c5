/* SPDX-License-Identifier: MIT */
/*
 * Circular doubly linked lists with a head node (the Linux list_head idea):
 * a node can leave its list without knowing which list that is, and a node
 * that is on no list points at itself, so list_empty(&node) asks "is it
 * queued anywhere?". Callers do their own locking.
 */
#ifndef KERNEL_LIST_H
#define KERNEL_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list {
	struct list *next, *prev;
};

#define container_of(p, type, member) ((type *)((char *)(p)-offsetof(type, member)))
#define list_entry(p, type, member) container_of(p, type, member)

static inline void list_init(struct list *l)
{
	l->next = l->prev = l;
}

static inline bool list_empty(const struct list *l)
{
	return l->next == l;
}

static inline void list_add_tail(struct list *n, struct list *head)
{
	n->prev = head->prev;
	n->next = head;
	head->prev->next = n;
	head->prev = n;
}

static inline void list_add_head(struct list *n, struct list *head)
{
	list_add_tail(n, head->next);
}

/* Take n off its list; it then counts as on none. */
static inline void list_del_init(struct list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	list_init(n);
}

/* Move every node of from to the end (or front) of to; from is left empty. */
static inline void list_splice(struct list *from, struct list *to, bool front)
{
	struct list *at = front ? to->next : to;

	if (list_empty(from))
		return;
	from->next->prev = at->prev;
	at->prev->next = from->next;
	from->prev->next = at;
	at->prev = from->prev;
	list_init(from);
}

#define list_for_each(p, head) for (struct list *p = (head)->next; p != (head); p = p->next)

#endif
