// SPDX-License-Identifier: MIT
/*
 * Report filters (--state, --function, --min-wait): which shown goroutines
 * a report keeps.  The regexes are compiled once; the state test is memoized
 * per status text pointer (the texts come from a few tables), so a million
 * goroutines cost a pointer compare each.
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "leakdump/base/error.h"
#include "leakdump/base/strbuf.h"
#include "leakdump/model/traceback.h"
#include "leakdump/report/model.h"

struct ld_report_match {
	bool has_state, has_function;
	regex_t state, function;
	int64_t min_wait_ns;
	const char *last_status;	/* memo of the state test */
	bool last_ok;
};

static struct ld_error *compile(regex_t *re, const char *src,
				const char *opt)
{
	char msg[128];
	int rc = regcomp(re, src, REG_EXTENDED | REG_NOSUB);

	if (!rc)
		return NULL;
	regerror(rc, re, msg, sizeof(msg));
	regfree(re);
	return ld_error_create(LD_ERR_INVALID, "%s: bad regular expression '%s': %s",
			       opt, src, msg);
}

struct ld_error *ld_report_match_new(const struct ld_report_filter *f,
				     struct ld_report_match **ret)
{
	struct ld_report_match *m = calloc(1, sizeof(*m));
	struct ld_error *err = NULL;

	*ret = NULL;
	if (!m)
		return &ld_error_nomem;
	if (f->state) {
		err = compile(&m->state, f->state, "--state");
		m->has_state = !err;
	}
	if (!err && f->function) {
		err = compile(&m->function, f->function, "--function");
		m->has_function = !err;
	}
	m->min_wait_ns = f->min_wait_ns > 0 ? f->min_wait_ns : 0;
	if (err) {
		ld_report_match_free(m);
		return err;
	}
	*ret = m;
	return NULL;
}

void ld_report_match_free(struct ld_report_match *m)
{
	if (!m)
		return;
	if (m->has_state)
		regfree(&m->state);
	if (m->has_function)
		regfree(&m->function);
	free(m);
}

bool ld_report_match_active(const struct ld_report_match *m)
{
	return m && (m->has_state || m->has_function || m->min_wait_ns);
}

bool ld_report_match_goroutine(struct ld_report_match *m,
			       const struct ld_session *s,
			       const struct ld_goroutine *g)
{
	if (!m)
		return true;
	if (m->min_wait_ns && ld_goroutine_wait_ns(s, g) < m->min_wait_ns)
		return false;
	if (m->has_state) {
		const char *st = ld_goroutine_status_text(s, g);

		if (st != m->last_status) {
			m->last_status = st;
			m->last_ok = !regexec(&m->state, st, 0, NULL, 0);
		}
		return m->last_ok;
	}
	return true;
}

bool ld_report_match_frames(const struct ld_report_match *m,
			    const struct ld_visible_frame *f, uint32_t n)
{
	if (!m || !m->has_function)
		return true;
	for (uint32_t i = 0; i < n; i++) {
		struct ld_strbuf sb = LD_STRBUF_INIT;
		bool hit;

		if (!f[i].name)
			continue;
		if (!regexec(&m->function, f[i].name, 0, NULL, 0))
			return true;
		/* Also the name as printed: "main.f[...]" for generics. */
		if (!strchr(f[i].name, '[') && strcmp(f[i].name, "runtime.gopanic"))
			continue;
		ld_print_func_name(&sb, f[i].name);
		hit = sb.len && !ld_strbuf_error(&sb) &&
		      !regexec(&m->function, sb.data, 0, NULL, 0);
		ld_strbuf_release(&sb);
		if (hit)
			return true;
	}
	return false;
}

/* A shell-quoted word: 'it''s' reads back as the user typed it. */
static void quoted(struct ld_strbuf *sb, const char *opt, const char *v)
{
	ld_strbuf_printf(sb, "%s%s '", sb->len ? " " : "", opt);
	for (const char *p = v; *p; p++) {
		if (*p == '\'')
			ld_strbuf_puts(sb, "'\\''");
		else
			ld_strbuf_putc(sb, *p);
	}
	ld_strbuf_putc(sb, '\'');
}

/* Go's time.Duration form, whole seconds: "1h30m0s", "5m0s", "90s" → "1m30s". */
static void put_duration(struct ld_strbuf *sb, int64_t ns)
{
	int64_t sec = ns / 1000000000, h = sec / 3600, m = sec / 60 % 60;

	if (h)
		ld_strbuf_printf(sb, "%lldh", (long long)h);
	if (h || m)
		ld_strbuf_printf(sb, "%lldm", (long long)m);
	ld_strbuf_printf(sb, "%llds", (long long)(sec % 60));
	if (ns % 1000000000 && !sec)
		ld_strbuf_printf(sb, " (%lldns)", (long long)ns);
}

char *ld_report_filter_desc(const struct ld_report_filter *f)
{
	struct ld_strbuf sb = LD_STRBUF_INIT;
	char *ret;

	if (f->state)
		quoted(&sb, "--state", f->state);
	if (f->function)
		quoted(&sb, "--function", f->function);
	if (f->min_wait_ns > 0) {
		ld_strbuf_printf(&sb, "%s--min-wait ", sb.len ? " " : "");
		if (f->min_wait_text)
			ld_strbuf_puts(&sb, f->min_wait_text);
		else
			put_duration(&sb, f->min_wait_ns);
	}
	if (!sb.len || ld_strbuf_error(&sb)) {
		ld_strbuf_release(&sb);
		return NULL;
	}
	ret = strndup(sb.data, sb.len);
	ld_strbuf_release(&sb);
	return ret;
}
