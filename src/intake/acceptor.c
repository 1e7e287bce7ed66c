/* acceptor - accepting connections in a thread of our own. */
#include "intake/acceptor.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "lib/log.h"

#define ACCEPTOR_ERROR (g_quark_from_static_string("acceptor-error"))
/* after running out of descriptors or memory, wait this long before the
 * next accept rather than spin on a listening socket that stays ready */
#define BACKOFF_MS 100

struct acceptor {
	int listen_fd;
	int stop_fd;          /* eventfd: readable once acceptor_stop is called */
	unsigned port;
	acceptor_fn fn;
	void *ctx;
	GThread *thread;
	gint accepted;        /* atomic */
};

static int bind_listen(const struct sockaddr *addr, socklen_t addrlen, int backlog)
{
	int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int on = 1;
	/* a restart must not wait for the old connections' TIME_WAIT */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (addr->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
	if (bind(fd, addr, addrlen) < 0 || listen(fd, backlog) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static unsigned bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* out_of_resources - an accept error that the next accept would repeat at
 * once; the others (a client that gave up, a signal) concern one
 * connection only. */
static bool out_of_resources(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

/* accept_ready - accept until the queue is empty; false when out of
 * descriptors or memory. */
static bool accept_ready(struct acceptor *a)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		int fd = accept4(a->listen_fd, (struct sockaddr *)&ss, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			g_atomic_int_inc(&a->accepted);
			a->fn(a->ctx, fd, (struct sockaddr *)&ss, len);
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return true;
		if (out_of_resources(errno)) {
			log_warn("http: cannot accept a connection: %s; trying again in %d ms",
				 strerror(errno), BACKOFF_MS);
			return false;
		}
		/* ECONNABORTED, EINTR, EPROTO, EPERM (a firewall): next one */
	}
}

static gpointer acceptor_thread(gpointer data)
{
	struct acceptor *a = data;
	bool backoff = false;
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = a->stop_fd, .events = POLLIN },
			{ .fd = a->listen_fd, .events = POLLIN },
		};
		int n = poll(p, backoff ? 1 : 2, backoff ? BACKOFF_MS : -1);
		if (n < 0 && errno != EINTR) {
			log_error("http: poll on the listening socket: %s", strerror(errno));
			break;
		}
		if (p[0].revents)
			break;
		backoff = !accept_ready(a);
	}
	return NULL;
}

struct acceptor *acceptor_start(const struct sockaddr *addr, socklen_t addrlen,
				int backlog, acceptor_fn fn, void *ctx, GError **err)
{
	int fd = bind_listen(addr, addrlen, backlog);
	if (fd < 0) {
		g_set_error(err, ACCEPTOR_ERROR, errno, "%s", strerror(errno));
		return NULL;
	}
	int stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (stop < 0) {
		g_set_error(err, ACCEPTOR_ERROR, errno, "eventfd: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	struct acceptor *a = g_new0(struct acceptor, 1);
	a->listen_fd = fd;
	a->stop_fd = stop;
	a->port = bound_port(fd);
	a->fn = fn;
	a->ctx = ctx;
	a->thread = g_thread_new("http-accept", acceptor_thread, a);
	return a;
}

unsigned acceptor_port(const struct acceptor *a)
{
	return a->port;
}

unsigned long acceptor_accepted(struct acceptor *a)
{
	return (unsigned)g_atomic_int_get(&a->accepted);
}

void acceptor_stop(struct acceptor **ap)
{
	struct acceptor *a = *ap;
	if (!a)
		return;
	uint64_t one = 1;
	while (write(a->stop_fd, &one, sizeof one) < 0 && errno == EINTR)
		;
	g_thread_join(a->thread);
	close(a->listen_fd);
	close(a->stop_fd);
	g_free(a);
	*ap = NULL;
}
