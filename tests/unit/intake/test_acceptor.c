/* Unit tests for acceptor: every connection reaches the callback with its
 * peer's address as a non-blocking, close-on-exec socket; a taken port is
 * a clear error; running out of descriptors delays accepting, never stops
 * it; stop returns and closes the listening socket. Loopback only. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <glib.h>

#include "intake/acceptor.h"

/* what the callback saw: one per connection, in order */
struct seen {
	int fd;
	int family;
	unsigned peer_port;
	bool nonblock, cloexec;
};

/* a wait long enough for a loaded machine under the sanitizers; the
 * tests never wait it out when the acceptor works */
#define WAIT_US (20 * G_USEC_PER_SEC)

static void on_accept(void *ctx, int fd, const struct sockaddr *addr, socklen_t len)
{
	GAsyncQueue *q = ctx;
	struct seen *s = g_new0(struct seen, 1);
	s->fd = fd;
	s->family = addr->sa_family;
	if (addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
		s->peer_port = ntohs(((const struct sockaddr_in *)addr)->sin_port);
	else if (addr->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
		s->peer_port = ntohs(((const struct sockaddr_in6 *)addr)->sin6_port);
	s->nonblock = fcntl(fd, F_GETFL) & O_NONBLOCK;
	s->cloexec = fcntl(fd, F_GETFD) & FD_CLOEXEC;
	g_async_queue_push(q, s);
}

static struct sockaddr_in loopback(unsigned port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* dial - a connected client socket; its local port in *port */
static int dial(const struct sockaddr *to, socklen_t len, unsigned *port)
{
	int fd = socket(to->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, to, len), 0);
	struct sockaddr_storage me;
	socklen_t ml = sizeof me;
	assert_int_equal(getsockname(fd, (struct sockaddr *)&me, &ml), 0);
	*port = me.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&me)->sin6_port)
					 : ntohs(((struct sockaddr_in *)&me)->sin_port);
	return fd;
}

static struct seen *next_seen(GAsyncQueue *q)
{
	struct seen *s = g_async_queue_timeout_pop(q, WAIT_US);
	assert_non_null(s);
	return s;
}

static bool has_port(const unsigned *ports, unsigned n, unsigned p)
{
	for (unsigned i = 0; i < n; i++)
		if (ports[i] == p)
			return true;
	return false;
}

/* Forty clients at once: forty calls, each with a peer address that is
 * one of the clients, a non-blocking close-on-exec socket. After stop,
 * the port refuses. */
static void test_every_connection_handed_over(void **state)
{
	(void)state;
	enum { N = 40 };
	GAsyncQueue *q = g_async_queue_new();
	struct sockaddr_in any = loopback(0);
	GError *err = NULL;
	struct acceptor *a = acceptor_start((struct sockaddr *)&any, sizeof any, 64,
					    on_accept, q, &err);
	assert_non_null(a);
	unsigned port = acceptor_port(a);
	assert_true(port > 0);
	struct sockaddr_in to = loopback(port);
	int clients[N];
	unsigned ports[N];
	for (unsigned i = 0; i < N; i++)
		clients[i] = dial((struct sockaddr *)&to, sizeof to, &ports[i]);
	for (unsigned i = 0; i < N; i++) {
		struct seen *s = next_seen(q);
		assert_int_equal(s->family, AF_INET);
		assert_true(has_port(ports, N, s->peer_port));
		assert_true(s->nonblock);
		assert_true(s->cloexec);
		/* the socket is the other end of the client with that port */
		unsigned j = 0;
		while (ports[j] != s->peer_port)
			j++;
		assert_int_equal(write(clients[j], "x", 1), 1);
		struct pollfd p = { .fd = s->fd, .events = POLLIN };
		assert_int_equal(poll(&p, 1, WAIT_US / 1000), 1);
		char ch;
		assert_int_equal(read(s->fd, &ch, 1), 1);
		close(s->fd);
		g_free(s);
	}
	assert_int_equal(acceptor_accepted(a), N);
	acceptor_stop(&a);
	assert_null(a);
	acceptor_stop(&a);  /* NULL-safe */
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&to, sizeof to), -1);
	assert_int_equal(errno, ECONNREFUSED);
	close(fd);
	for (unsigned i = 0; i < N; i++)
		close(clients[i]);
	assert_int_equal(g_async_queue_length(q), 0);
	g_async_queue_unref(q);
}

/* A port in use: NULL and the system's reason, nothing left running. */
static void test_port_taken(void **state)
{
	(void)state;
	GAsyncQueue *q = g_async_queue_new();
	struct sockaddr_in any = loopback(0);
	struct acceptor *a = acceptor_start((struct sockaddr *)&any, sizeof any, 8,
					    on_accept, q, NULL);
	assert_non_null(a);
	struct sockaddr_in same = loopback(acceptor_port(a));
	GError *err = NULL;
	struct acceptor *b = acceptor_start((struct sockaddr *)&same, sizeof same, 8,
					    on_accept, q, &err);
	assert_null(b);
	assert_non_null(err);
	assert_non_null(strstr(err->message, strerror(EADDRINUSE)));
	g_error_free(err);
	acceptor_stop(&a);
	g_async_queue_unref(q);
}

/* IPv6 loopback, where the machine has it. */
static void test_ipv6(void **state)
{
	(void)state;
	struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	GAsyncQueue *q = g_async_queue_new();
	GError *err = NULL;
	struct acceptor *a = acceptor_start((struct sockaddr *)&any, sizeof any, 8,
					    on_accept, q, &err);
	if (!a) {
		/* a machine without IPv6: nothing to test */
		g_error_free(err);
		g_async_queue_unref(q);
		skip();
	}
	struct sockaddr_in6 to = any;
	to.sin6_port = htons((uint16_t)acceptor_port(a));
	unsigned port;
	int c = dial((struct sockaddr *)&to, sizeof to, &port);
	struct seen *s = next_seen(q);
	assert_int_equal(s->family, AF_INET6);
	assert_int_equal(s->peer_port, port);
	close(s->fd);
	g_free(s);
	close(c);
	acceptor_stop(&a);
	g_async_queue_unref(q);
}

/* Out of descriptors: the waiting connection is accepted once one is
 * free again, and the acceptor keeps going after that. */
static void test_out_of_descriptors(void **state)
{
	(void)state;
	GAsyncQueue *q = g_async_queue_new();
	struct sockaddr_in any = loopback(0);
	struct acceptor *a = acceptor_start((struct sockaddr *)&any, sizeof any, 8,
					    on_accept, q, NULL);
	assert_non_null(a);
	struct sockaddr_in to = loopback(acceptor_port(a));
	struct rlimit old;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	/* take every descriptor but one: that one is the client's */
	GArray *filler = g_array_new(FALSE, FALSE, sizeof(int));
	struct rlimit low = { .rlim_cur = 256, .rlim_max = old.rlim_max };
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(null >= 0);
	g_array_append_val(filler, null);
	for (;;) {
		int fd = dup(null);
		if (fd < 0)
			break;
		g_array_append_val(filler, fd);
	}
	assert_int_equal(errno, EMFILE);
	assert_true(filler->len > 0);
	close(g_array_index(filler, int, filler->len - 1));
	g_array_set_size(filler, filler->len - 1);
	unsigned port;
	int c = dial((struct sockaddr *)&to, sizeof to, &port);
	/* the acceptor fails with EMFILE now and backs off; free one */
	close(g_array_index(filler, int, filler->len - 1));
	g_array_set_size(filler, filler->len - 1);
	struct seen *s = next_seen(q);
	assert_int_equal(s->peer_port, port);
	close(s->fd);
	g_free(s);
	for (unsigned i = 0; i < filler->len; i++)
		close(g_array_index(filler, int, i));
	g_array_free(filler, TRUE);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	int c2 = dial((struct sockaddr *)&to, sizeof to, &port);
	s = next_seen(q);
	assert_int_equal(s->peer_port, port);
	close(s->fd);
	g_free(s);
	close(c);
	close(c2);
	acceptor_stop(&a);
	g_async_queue_unref(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_connection_handed_over),
		cmocka_unit_test(test_port_taken),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_out_of_descriptors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
