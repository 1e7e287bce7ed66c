/* acceptor - one thread that accepts TCP connections on a listening socket
 * and hands each accepted socket to a callback.
 *
 * Why not let libmicrohttpd accept: in its thread pool every worker waits
 * on the shared listening socket, and a woken worker accepts up to ten
 * connections in a row. A client that opens its keep-alive connections
 * in a burst (a load balancer, a proxy, a benchmark) lands them on three
 * or four of the 32 workers while the others idle, and posts that could
 * have waited together for one commit each wait alone. Accepting in one
 * thread and giving each connection to MHD_add_connection spreads them
 * over all workers.
 *
 * The accepted sockets are non-blocking and close-on-exec; the callback
 * owns each one. Not thread-safe: start and stop from one thread. */
#ifndef COMPLAINTD_ACCEPTOR_H
#define COMPLAINTD_ACCEPTOR_H

#include <stdbool.h>
#include <sys/socket.h>
#include <glib.h>

/* acceptor_fn - called in the acceptor's thread with an accepted socket
 * (the callee owns fd) and the peer's address (borrowed, addrlen bytes). */
typedef void (*acceptor_fn)(void *ctx, int fd, const struct sockaddr *addr,
			    socklen_t addrlen);

struct acceptor;

/* acceptor_start - bind addr (SO_REUSEADDR; an IPv6 address listens on
 * IPv6 only), listen with backlog and start the thread calling fn with
 * ctx. NULL with err set (the system's reason) when it cannot. */
struct acceptor *acceptor_start(const struct sockaddr *addr, socklen_t addrlen,
				int backlog, acceptor_fn fn, void *ctx, GError **err);

/* acceptor_port - the port bound (useful after binding port 0). */
unsigned acceptor_port(const struct acceptor *a);

/* acceptor_accepted - connections handed to fn so far (for tests). */
unsigned long acceptor_accepted(struct acceptor *a);

/* acceptor_stop - stop accepting, join the thread, close the listening
 * socket (connections already handed over are untouched). NULL-safe;
 * sets *a to NULL. */
void acceptor_stop(struct acceptor **a);

#endif
