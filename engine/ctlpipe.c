/* ctlpipe — see ctlpipe.h. */
#include "ctlpipe.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

void ctl_pipe_init(CtlPipe *p)
{
    p->rd = p->wr = -1;
}

int ctl_pipe_open(CtlPipe *p)
{
    int fd[2];
    if (pipe2(fd, O_CLOEXEC | O_NONBLOCK) < 0) {
        ctl_pipe_init(p);
        return -errno;
    }
    p->rd = fd[0];
    p->wr = fd[1];
    return 0;
}

void ctl_pipe_send(CtlPipe *p, char c)
{
    if (p && p->wr >= 0) {
        ssize_t w = write(p->wr, &c, 1);
        (void)w;              /* EAGAIN: the reader has plenty to wake it */
    }
}

int ctl_pipe_wait(const CtlPipe *p, int timeout_ms)
{
    struct pollfd pfd = {.fd = p->rd, .events = POLLIN};
    return poll(&pfd, 1, timeout_ms) > 0;
}

int ctl_pipe_drain(CtlPipe *p, char *buf, size_t size)
{
    size_t n = 0;
    while (n < size) {
        ssize_t r = read(p->rd, buf + n, size - n);
        if (r > 0) {
            n += (size_t)r;
            continue;
        }
        if (r == 0 && n == 0)
            return -1;        /* every writer closed */
        if (r < 0 && errno == EINTR)
            continue;
        break;                /* EAGAIN: all read */
    }
    return (int)n;
}

void ctl_pipe_close(CtlPipe *p)
{
    if (p->rd >= 0)
        close(p->rd);
    if (p->wr >= 0)
        close(p->wr);
    ctl_pipe_init(p);
}
