/* lifecycle - the daemon's stop flag and interruptible sleeps. */
#include "lib/lifecycle.h"

#include <glib.h>

static GMutex lock;
static GCond cond;
static bool stopping;
static unsigned kicks[LIFECYCLE_NCHANNELS];

void lifecycle_stop(void)
{
	g_mutex_lock(&lock);
	stopping = true;
	g_cond_broadcast(&cond);
	g_mutex_unlock(&lock);
}

bool lifecycle_stopping(void)
{
	g_mutex_lock(&lock);
	bool s = stopping;
	g_mutex_unlock(&lock);
	return s;
}

void lifecycle_reset(void)
{
	g_mutex_lock(&lock);
	stopping = false;
	g_mutex_unlock(&lock);
}

void lifecycle_kick(enum lifecycle_channel channel)
{
	g_mutex_lock(&lock);
	kicks[channel]++;
	g_cond_broadcast(&cond);
	g_mutex_unlock(&lock);
}

bool lifecycle_sleep(enum lifecycle_channel channel, int64_t ms)
{
	gint64 until = g_get_monotonic_time() + ms * 1000;
	g_mutex_lock(&lock);
	unsigned seen = kicks[channel];
	/* a kick consumed by another sleeper on the channel still wakes us */
	while (!stopping && kicks[channel] == seen)
		if (!g_cond_wait_until(&cond, &lock, until))
			break;
	bool go_on = !stopping;
	g_mutex_unlock(&lock);
	return go_on;
}
