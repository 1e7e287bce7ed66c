/* smtp_spool - the benchmark's SMTP receiver: smtp_sink.py's spool format
 * at a C program's cost.
 *
 *   smtp_spool --port N --dir SPOOL [ignored smtp_sink.py options]
 *
 * Listens on 127.0.0.1:N only, one thread per connection. Speaks EHLO/HELO
 * (PIPELINING, 8BITMIME, SIZE), MAIL, RCPT, DATA, RSET, NOOP and QUIT and
 * writes every accepted message as SPOOL/NNNNNN.eml (the bytes after
 * dot-unstuffing) and then SPOOL/NNNNNN.json ({"mail_from", "rcpt_tos",
 * "time"}), as tests/integration/smtp_sink.py does, so SmtpSink.messages()
 * reads both. No TLS, no AUTH, no control.json: the integration tests keep
 * the Python sink. Why a second receiver: aiosmtpd spends about 1.5 ms of
 * CPU on each mail, more than complaintd spends on a whole complaint, and
 * on a two-core machine the bench would measure the sink (a relay such as
 * Postfix costs a fraction of that). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define LINE_MAX_LEN 8192
#define MAX_RCPTS 100

static const char *spool;
static atomic_uint seq;

struct conn {
	int fd;
	char in[65536];
	size_t start, end;     /* unread bytes are in[start, end) */
	char *data;            /* the message being received */
	size_t data_len, data_cap;
	char from[LINE_MAX_LEN];
	char rcpt[MAX_RCPTS][LINE_MAX_LEN];
	unsigned nrcpt;
};

static bool say(struct conn *c, const char *reply)
{
	size_t len = strlen(reply), off = 0;
	while (off < len) {
		ssize_t n = write(c->fd, reply + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		off += (size_t)n;
	}
	return true;
}

/* read_line - the next line without its CRLF into line (cut at cap - 1);
 * false at end of input. Lines are taken from what was read already first,
 * which is what lets a client pipeline its commands. */
static bool read_line(struct conn *c, char *line, size_t cap, size_t *len)
{
	size_t n = 0;
	for (;;) {
		while (c->start < c->end) {
			char ch = c->in[c->start++];
			if (ch == '\n') {
				if (n && line[n - 1] == '\r')
					n--;
				line[n] = '\0';
				*len = n;
				return true;
			}
			if (n < cap - 1)
				line[n++] = ch;
		}
		ssize_t r = read(c->fd, c->in, sizeof(c->in));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		c->start = 0;
		c->end = (size_t)r;
	}
}

static void append(struct conn *c, const char *s, size_t len)
{
	if (c->data_len + len > c->data_cap) {
		c->data_cap = (c->data_len + len) * 2;
		c->data = realloc(c->data, c->data_cap);
		if (!c->data)
			abort();
	}
	memcpy(c->data + c->data_len, s, len);
	c->data_len += len;
}

/* json_string - s as a JSON string into f (addresses: plain ASCII mostly). */
static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static bool write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return false;
	bool ok = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && ok;
}

/* store - NNNNNN.eml, then NNNNNN.json by rename: a reader that sees the
 * .json sees the whole .eml. Returns NNNNNN, 0 when a write failed. */
static unsigned store(struct conn *c)
{
	unsigned n = atomic_fetch_add(&seq, 1) + 1;
	char eml[4096], meta[4096], tmp[4200];
	snprintf(eml, sizeof(eml), "%s/%06u.eml", spool, n);
	snprintf(meta, sizeof(meta), "%s/%06u.json", spool, n);
	snprintf(tmp, sizeof(tmp), "%s.tmp", meta);
	if (!write_file(eml, c->data, c->data_len))
		return 0;
	FILE *f = fopen(tmp, "w");
	if (!f)
		return 0;
	struct timeval tv;
	gettimeofday(&tv, NULL);
	fputs("{\"mail_from\": ", f);
	json_string(f, c->from);
	fputs(", \"rcpt_tos\": [", f);
	for (unsigned i = 0; i < c->nrcpt; i++) {
		if (i)
			fputs(", ", f);
		json_string(f, c->rcpt[i]);
	}
	fprintf(f, "], \"time\": %ld.%06ld, \"peer\": null, \"authenticated\": false}",
		(long)tv.tv_sec, (long)tv.tv_usec);
	if (fclose(f) != 0)
		return 0;
	return rename(tmp, meta) == 0 ? n : 0;
}

/* receive_data - lines up to the lone "." into c->data, dot-unstuffed,
 * CRLF line ends. */
static bool receive_data(struct conn *c)
{
	char line[LINE_MAX_LEN + 2];
	size_t len;
	c->data_len = 0;
	while (read_line(c, line, sizeof(line), &len)) {
		if (len == 1 && line[0] == '.')
			return true;
		const char *p = line[0] == '.' ? line + 1 : line;
		append(c, p, len - (size_t)(p - line));
		append(c, "\r\n", 2);
	}
	return false;
}

/* address - what is between < and > after "MAIL FROM:" or "RCPT TO:". */
static void address(const char *arg, char *out, size_t cap)
{
	const char *lt = strchr(arg, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	size_t n = lt && gt ? (size_t)(gt - lt - 1) : 0;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, lt ? lt + 1 : "", n);
	out[n] = '\0';
}

static bool command(struct conn *c, const char *line)
{
	if (!strncasecmp(line, "EHLO", 4))
		return say(c, "250-sink.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
			      "250 SIZE 67108864\r\n");
	if (!strncasecmp(line, "HELO", 4))
		return say(c, "250 sink.test\r\n");
	if (!strncasecmp(line, "MAIL FROM:", 10)) {
		address(line + 10, c->from, sizeof(c->from));
		c->nrcpt = 0;
		return say(c, "250 2.1.0 Ok\r\n");
	}
	if (!strncasecmp(line, "RCPT TO:", 8)) {
		if (c->nrcpt == MAX_RCPTS)
			return say(c, "452 4.5.3 too many recipients\r\n");
		address(line + 8, c->rcpt[c->nrcpt++], LINE_MAX_LEN);
		return say(c, "250 2.1.5 Ok\r\n");
	}
	if (!strcasecmp(line, "DATA")) {
		if (!c->nrcpt)
			return say(c, "503 5.5.1 no valid recipients\r\n");
		if (!say(c, "354 End data with <CR><LF>.<CR><LF>\r\n") || !receive_data(c))
			return false;
		char reply[64];
		unsigned n = store(c);
		if (!n)
			return say(c, "451 4.3.0 cannot write the spool\r\n");
		snprintf(reply, sizeof(reply), "250 2.0.0 Ok: queued as %06u\r\n", n);
		c->nrcpt = 0;
		return say(c, reply);
	}
	if (!strcasecmp(line, "RSET")) {
		c->nrcpt = 0;
		return say(c, "250 2.0.0 Ok\r\n");
	}
	if (!strcasecmp(line, "NOOP"))
		return say(c, "250 2.0.0 Ok\r\n");
	if (!strcasecmp(line, "QUIT")) {
		say(c, "221 2.0.0 Bye\r\n");
		return false;
	}
	return say(c, "502 5.5.2 command not recognized\r\n");
}

static void *serve(void *arg)
{
	struct conn *c = arg;
	char line[LINE_MAX_LEN + 2];
	size_t len;
	if (say(c, "220 sink.test ESMTP\r\n"))
		while (read_line(c, line, sizeof(line), &len) && command(c, line))
			;
	close(c->fd);
	free(c->data);
	free(c);
	return NULL;
}

/* next_seq - carry on after the highest NNNNNN.json already there, as the
 * Python sink does when it is started again on the same spool. */
static unsigned next_seq(void)
{
	unsigned top = 0;
	DIR *d = opendir(spool);
	for (struct dirent *e; d && (e = readdir(d));) {
		char *end;
		unsigned long n = strtoul(e->d_name, &end, 10);
		if (end != e->d_name && !strcmp(end, ".json") && n > top && n < UINT_MAX)
			top = (unsigned)n;
	}
	if (d)
		closedir(d);
	return top;
}

int main(int argc, char **argv)
{
	int port = 0;
	for (int i = 1; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "--port"))
			port = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--dir"))
			spool = argv[++i];
	}
	if (port <= 0 || port > 65535 || !spool) {
		fprintf(stderr, "usage: smtp_spool --port N --dir SPOOL\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	atomic_store(&seq, next_seq());
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 64)) {
		perror("smtp_spool");
		return 1;
	}
	printf("smtp_spool listening on 127.0.0.1:%d\n", port);
	fflush(stdout);
	for (;;) {
		int fd = accept(s, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("accept");
			return 1;
		}
		struct conn *c = calloc(1, sizeof(*c));
		pthread_t t;
		if (!c)
			abort();
		c->fd = fd;
		if (pthread_create(&t, NULL, serve, c)) {
			close(fd);
			free(c);
			continue;
		}
		pthread_detach(t);
	}
}
