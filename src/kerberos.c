/* SPDX-License-Identifier: BSD-2-Clause */
/* kerberos.c - a TGT from a keytab into a private MEMORY ccache */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <krb5.h>

#include "kerberos.h"
#include "safefile.h"

/* Kept open for the life of the run: a MEMORY ccache lives while a handle
 * to it does. */
static krb5_context kctx;
static krb5_ccache kcc;

/* krb_error - fill ERR from a krb5 error code */
static int
krb_error(krb5_error_code code, enum a2r_status status, const char *what, struct a2r_err *err)
{
	const char *msg = krb5_get_error_message(kctx, code);

	err_set(err, status, "%s: %s", what, msg);
	krb5_free_error_message(kctx, msg);
	return -1;
}

/* classify - which exit class a failed initial-credentials request is */
static enum a2r_status
classify(krb5_error_code code)
{
	switch (code) {
	case KRB5_KDC_UNREACH:
	case KRB5_REALM_CANT_RESOLVE:
	case KRB5_REALM_UNKNOWN:
	case KRB5_CONFIG_NODEFREALM:
		return A2R_ERR_SOURCE;
	case KRB5_KT_NOTFOUND:
	case KRB5_KT_END:
		return A2R_ERR_AUTH;
	case ENOENT:
	case EACCES:
	case KRB5_KT_FORMAT:
	case KRB5_KEYTAB_BADVNO:
		return A2R_ERR_CONFIG;
	default:
		return A2R_ERR_AUTH;
	}
}

/* machine_principal - the keytab's machine account (first component ends
 * with '$'), else its first entry */
static krb5_error_code
machine_principal(krb5_keytab kt, krb5_principal *out)
{
	krb5_kt_cursor cur;
	krb5_keytab_entry ent;
	krb5_error_code code;
	int found = 0;

	*out = NULL;
	if ((code = krb5_kt_start_seq_get(kctx, kt, &cur)) != 0)
		return code;
	while (!found && krb5_kt_next_entry(kctx, kt, &ent, &cur) == 0) {
		const krb5_data *c0 = krb5_princ_component(kctx, ent.principal, 0);
		int machine = c0 != NULL && c0->length > 0 && c0->data[c0->length - 1] == '$';

		if (*out == NULL || machine) {
			if (*out != NULL)
				krb5_free_principal(kctx, *out);
			code = krb5_copy_principal(kctx, ent.principal, out);
			found = machine;
		}
		krb5_free_keytab_entry_contents(kctx, &ent);
		if (code != 0)
			break;
	}
	krb5_kt_end_seq_get(kctx, kt, &cur);
	return code ? code : *out ? 0 : KRB5_KT_NOTFOUND;
}

/* check_keytab - a keytab that cannot be read as one, or holds no key, is
 * a configuration error, not a refusal by the KDC */
static int
check_keytab(krb5_keytab kt, const char *keytab, struct a2r_err *err)
{
	krb5_kt_cursor cur;
	krb5_keytab_entry ent;
	krb5_error_code code = krb5_kt_start_seq_get(kctx, kt, &cur);
	int n = 0;

	if (code != 0)
		return krb_error(code, A2R_ERR_CONFIG, keytab, err);
	if (krb5_kt_next_entry(kctx, kt, &ent, &cur) == 0) {
		krb5_free_keytab_entry_contents(kctx, &ent);
		n = 1;
	}
	krb5_kt_end_seq_get(kctx, kt, &cur);
	return n ? 0 : err_set(err, A2R_ERR_CONFIG, "keytab %s holds no keys", keytab);
}

/* get_tgt - initial credentials for PRINC from KT into the new ccache */
static int
get_tgt(krb5_keytab kt, krb5_principal princ, const char *keytab, const char *name,
        struct a2r_err *err)
{
	krb5_get_init_creds_opt *opt = NULL;
	krb5_creds creds;
	krb5_error_code code;
	char what[600];

	memset(&creds, 0, sizeof(creds));
	snprintf(what, sizeof(what), "Kerberos login as %s with keytab %s", name, keytab);
	if ((code = krb5_get_init_creds_opt_alloc(kctx, &opt)) != 0)
		return krb_error(code, A2R_ERR_INTERNAL, what, err);
	code = krb5_get_init_creds_keytab(kctx, &creds, princ, kt, 0, NULL, opt);
	krb5_get_init_creds_opt_free(kctx, opt);
	if (code != 0)
		return krb_error(code, classify(code), what, err);
	if ((code = krb5_cc_new_unique(kctx, "MEMORY", NULL, &kcc)) != 0 ||
	    (code = krb5_cc_initialize(kctx, kcc, princ)) != 0 ||
	    (code = krb5_cc_store_cred(kctx, kcc, &creds)) != 0) {
		krb5_free_cred_contents(kctx, &creds);
		return krb_error(code, A2R_ERR_INTERNAL, what, err);
	}
	krb5_free_cred_contents(kctx, &creds);
	return 0;
}

int
kerberos_login(const char *keytab, const char *principal, char **used, struct a2r_err *err)
{
	krb5_keytab kt = NULL;
	krb5_principal princ = NULL;
	krb5_error_code code;
	char ktname[1100], ccname[256], *name = NULL;
	int rc = -1;

	*used = NULL;
	if (strncmp(keytab, "FILE:", 5) == 0)
		keytab += 5;
	/* A keytab is a password: owner-only, like bindpw_file.  The Kerberos
	 * library opens it again by name; its directory is checked so that no
	 * one else can put another file there in between. */
	if (safefile_check_secret(keytab, "keytab", "keys", err) < 0)
		return -1;
	if (kctx == NULL && (code = krb5_init_context(&kctx)) != 0)
		return err_set(err, A2R_ERR_CONFIG, "Kerberos: cannot initialise (krb5.conf?)");
	snprintf(ktname, sizeof(ktname), "FILE:%s", keytab);
	if ((code = krb5_kt_resolve(kctx, ktname, &kt)) != 0) {
		krb_error(code, A2R_ERR_CONFIG, keytab, err);
		goto out;
	}
	if (check_keytab(kt, keytab, err) < 0)
		goto out;
	code = principal ? krb5_parse_name(kctx, principal, &princ) : machine_principal(kt, &princ);
	if (code != 0) {
		krb_error(code, principal ? A2R_ERR_CONFIG : A2R_ERR_AUTH,
		          principal ? principal : keytab, err);
		goto out;
	}
	if ((code = krb5_unparse_name(kctx, princ, &name)) != 0) {
		krb_error(code, A2R_ERR_INTERNAL, keytab, err);
		goto out;
	}
	if (get_tgt(kt, princ, keytab, name, err) < 0)
		goto out;
	/* The SASL GSSAPI mechanism takes its credentials from KRB5CCNAME. */
	snprintf(ccname, sizeof(ccname), "MEMORY:%s", krb5_cc_get_name(kctx, kcc));
	if (setenv("KRB5CCNAME", ccname, 1) < 0 || (*used = strdup(name)) == NULL) {
		err_nomem(err);
		goto out;
	}
	rc = 0;
out:
	if (name != NULL)
		krb5_free_unparsed_name(kctx, name);
	if (princ != NULL)
		krb5_free_principal(kctx, princ);
	if (kt != NULL)
		krb5_kt_close(kctx, kt);
	return rc;
}

void
kerberos_logout(void)
{
	if (kcc != NULL) {
		krb5_cc_destroy(kctx, kcc);
		kcc = NULL;
	}
	if (kctx != NULL) {
		krb5_free_context(kctx);
		kctx = NULL;
	}
}

char *
kerberos_default_realm(void)
{
	krb5_context ctx;
	char *realm = NULL, *copy = NULL;

	if (krb5_init_context(&ctx) != 0)
		return NULL;
	if (krb5_get_default_realm(ctx, &realm) == 0 && realm != NULL) {
		copy = strdup(realm);
		krb5_free_default_realm(ctx, realm);
	}
	krb5_free_context(ctx);
	return copy;
}

char *
kerberos_default_keytab(void)
{
	krb5_context ctx;
	char name[1024];
	char *path = NULL;

	if (krb5_init_context(&ctx) != 0)
		return NULL;
	if (krb5_kt_default_name(ctx, name, sizeof(name)) == 0)
		path = strdup(strncmp(name, "FILE:", 5) == 0 ? name + 5 : name);
	krb5_free_context(ctx);
	return path;
}
