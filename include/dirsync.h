/* SPDX-License-Identifier: BSD-2-Clause */
/* dirsync.h - the DC's side of incremental runs: AD's DirSync control
 *
 * Everything here runs on a session the caller opened (session.h) and
 * bounds each request by the configured timeout and the run's end UNTIL.
 *
 * dirsync_dc() reads who the DC is (dsServiceName and invocationId: a
 * DirSync cookie means something to that DC only) and the naming context
 * holding the search base (DirSync searches a naming context as a whole).
 * dirsync_cookie() gets a cookie for "now" without reading any object: a
 * full sync then reads the objects with an ordinary search on the same
 * session, so that every change after the cookie is either in that
 * search or reported by the next DirSync.  It asks first with flags 0,
 * which needs the right Replicating Directory Changes and reports
 * deleted objects; refused, with LDAP_DIRSYNC_OBJECT_SECURITY, which any
 * account may use but which does not report deletions.
 * dirsync_changes() reads the objectGUIDs of the objects changed since a
 * cookie (every page: DirSync's "more" flag), sorted and each once, and
 * the new cookie.
 *
 * Errors: A2R_ERR_SOURCE (what another DC may not have; DirSync refused
 * or not supported), A2R_ERR_INTERNAL (out of memory).
 */
#ifndef A2R_DIRSYNC_H
#define A2R_DIRSYNC_H

#include <stddef.h>
#include <time.h>

#include <lber.h>

#include "conf.h"
#include "err.h"
#include "session.h"
#include "state.h"

struct dirsync_dc {
	char *dc;         /* dsServiceName */
	char *invocation; /* invocationId in hex, or "-" when it cannot be read */
	char *nc;         /* the naming context holding the search base */
	char *usn;        /* the rootDSE's highestCommittedUSN (decimal), read
	                   * before any DirSync request; NULL if not given */
};

/* dirsync_dc - fill DC for the session's DC and search base; 0, 1 when it
 * is no AD DC (no dsServiceName, or no naming context holds the base:
 * ERR says which), or -1 */
int dirsync_dc(struct session *s, const struct a2r_config *cfg, const struct timespec *until,
               struct dirsync_dc *dc, struct a2r_err *err);
void dirsync_dc_free(struct dirsync_dc *dc);

/* dirsync_cookie - a cookie for now (*COOKIE, caller frees bv_val) in
 * *DELETIONS' mode: 1 flags 0 (deletions reported), else 0; 0 or -1 (ERR
 * says why DirSync is refused) */
int dirsync_cookie(struct session *s, const struct a2r_config *cfg, const struct timespec *until,
                   const char *nc, int *deletions, struct berval *cookie, struct a2r_err *err);

struct dirsync_changes {
	unsigned char (*guid)[STATE_GUID_LEN]; /* sorted, each once */
	size_t n, cap;
	unsigned char (*moved)[STATE_GUID_LEN]; /* renamed, moved or new: "name" changed */
	size_t nmoved, capmoved;
};

/* dirsync_changes - the objects changed since *COOKIE (replaced by the new
 * cookie) into CH, in the mode DELETIONS; 0, 1 when more than MAX objects
 * changed (CH is then incomplete), -1 */
int dirsync_changes(struct session *s, const struct a2r_config *cfg, const struct timespec *until,
                    const char *nc, int deletions, struct berval *cookie, size_t max,
                    struct dirsync_changes *ch, struct a2r_err *err);

/* dirsync_changed - 1 if GUID is in CH (sorted), else 0 */
int dirsync_changed(const struct dirsync_changes *ch, const unsigned char *guid);

/* dirsync_containers - 1 if any of the N GUIDs is an object that can hold
 * recipients (organizationalUnit, container, builtinDomain, lostAndFound,
 * domainDNS) under NC, 0 if none, -1 */
int dirsync_containers(struct session *s, const struct a2r_config *cfg,
                       const struct timespec *until, const char *nc,
                       const unsigned char (*guid)[STATE_GUID_LEN], size_t n, struct a2r_err *err);

void dirsync_changes_free(struct dirsync_changes *ch);

/* dirsync_guid_filter - append "(|(objectGUID=\xx...)...)" for the N GUIDs
 * to F; 0 or -1 (out of memory) */
struct strbuf;
int dirsync_guid_filter(struct strbuf *f, const unsigned char (*guid)[STATE_GUID_LEN], size_t n);

#endif
