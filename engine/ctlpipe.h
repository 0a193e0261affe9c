/* ctlpipe — the control pipe of an engine-floor thread: other threads
 * write one byte ('k' look now, 'q' stop, ...; each thread gives its own
 * letters a meaning), the owning thread poll()s the read end beside its
 * other work and drains every pending byte when it wakes. The same pipe,
 * written once and never drained, is a latch: it stays readable, so every
 * wait on it ends (the runner's cancel pipe).
 *
 * Both ends are close-on-exec and non-blocking: a sender never blocks
 * (a full pipe already wakes the reader, so a dropped byte loses nothing
 * but a duplicate), and a drain never waits.
 *
 * Thread: ctl_pipe_send from any thread; wait and drain from the owning
 * thread; open and close from whoever starts and joins it.
 */
#ifndef RESOPS_ENGINE_CTLPIPE_H
#define RESOPS_ENGINE_CTLPIPE_H

#include <stddef.h>

typedef struct CtlPipe {
    int rd, wr;               /* -1 when closed */
} CtlPipe;

/* Both ends -1, so ctl_pipe_close is safe before (or without) an open. */
void ctl_pipe_init(CtlPipe *p);
/* 0, or -errno (both ends stay -1). */
int  ctl_pipe_open(CtlPipe *p);
/* Write byte c; a closed pipe (or NULL) is ignored. */
void ctl_pipe_send(CtlPipe *p, char c);
/* poll() the read end up to timeout_ms (< 0 = forever): 1 readable, 0 not. */
int  ctl_pipe_wait(const CtlPipe *p, int timeout_ms);
/* Read every pending byte into buf, up to size: the count (0 = none), or
 * -1 when the write end is gone (treat it as a stop). */
int  ctl_pipe_drain(CtlPipe *p, char *buf, size_t size);
/* Close both ends (each once); init state after. */
void ctl_pipe_close(CtlPipe *p);

#endif
