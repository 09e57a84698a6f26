// SPDX-License-Identifier: GPL-2.0-only
/*
 * cnid: the generic netlink family "cnid" and the readers' uevents.
 *
 * The module announces readers coming and going.  The privileged helper,
 * which does the card work in user space, announces card events for a
 * reader (CNID_NL_CMD_ANNOUNCE, CAP_NET_ADMIN); the module keeps the
 * reader's state, relays the event to the "events" group that any user
 * may join, and emits a KOBJ_CHANGE uevent on the reader's device.  Only
 * enumerations, flags, an opaque token and a sequence number travel:
 * never a name or a number from a card.
 */
#include <linux/ctype.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <net/genetlink.h>

#include "cnid_drv.h"

static LIST_HEAD(cnid_readers);
static DEFINE_MUTEX(cnid_readers_lock);	/* the list; taken before state_lock */

static const char * const cnid_card_type_names[] = {
	[CNID_NL_CARD_UNKNOWN] = "unknown",
	[CNID_NL_CARD_RESIDENT] = "resident",
	[CNID_NL_CARD_HKMOTW_PERMIT] = "hkmotw_permit",
	[CNID_NL_CARD_FOREIGN_2017] = "foreign_permanent_2017",
	[CNID_NL_CARD_FOREIGN_2023] = "foreign_permanent_2023",
};

static const char * const cnid_card_state_names[] = {
	[CNID_NL_CARD_STATE_UNKNOWN] = "unknown",
	[CNID_NL_CARD_STATE_ABSENT] = "absent",
	[CNID_NL_CARD_STATE_PRESENT] = "present",
	[CNID_NL_CARD_STATE_FAILED] = "failed",
};

static const char * const cnid_sam_state_names[] = {
	[CNID_NL_SAM_UNKNOWN] = "unknown",
	[CNID_NL_SAM_OK] = "ok",
	[CNID_NL_SAM_FAULT] = "fault",
};

static const char * const cnid_event_names[] = {
	[CNID_NL_EVENT_NONE] = "none",
	[CNID_NL_EVENT_CARD_READ] = "card_read",
	[CNID_NL_EVENT_READ_FAILED] = "read_failed",
	[CNID_NL_EVENT_CARD_REMOVED] = "card_removed",
	[CNID_NL_EVENT_SAM_STATE] = "sam_state",
};

static const char * const cnid_reason_names[] = {
	[CNID_NL_REASON_UNKNOWN] = "unknown",
	[CNID_NL_REASON_TIMEOUT] = "timeout",
	[CNID_NL_REASON_PROTOCOL] = "protocol",
	[CNID_NL_REASON_SAM] = "sam",
	[CNID_NL_REASON_CARD] = "card",
	[CNID_NL_REASON_UNSUPPORTED] = "unsupported",
};

static const char *cnid_name(const char * const *names, unsigned int n,
			     unsigned int i)
{
	return i < n ? names[i] : "unknown";
}

const char *cnid_card_type_name(unsigned int type)
{
	return cnid_name(cnid_card_type_names,
			 ARRAY_SIZE(cnid_card_type_names), type);
}

const char *cnid_card_state_name(unsigned int state)
{
	return cnid_name(cnid_card_state_names,
			 ARRAY_SIZE(cnid_card_state_names), state);
}

const char *cnid_sam_state_name(unsigned int state)
{
	return cnid_name(cnid_sam_state_names,
			 ARRAY_SIZE(cnid_sam_state_names), state);
}

static const struct nla_policy cnid_nl_policy[CNID_NL_A_MAX + 1] = {
	[CNID_NL_A_MINOR] = { .type = NLA_U32 },
	[CNID_NL_A_DEVNAME] = { .type = NLA_NUL_STRING, .len = 15 },
	[CNID_NL_A_BUSNUM] = { .type = NLA_U32 },
	[CNID_NL_A_DEVNUM] = { .type = NLA_U32 },
	[CNID_NL_A_VENDOR] = { .type = NLA_U16 },
	[CNID_NL_A_PRODUCT] = { .type = NLA_U16 },
	[CNID_NL_A_PIPE_MODE] = NLA_POLICY_RANGE(NLA_U8, CNID_PIPE_SPLIT,
						 CNID_PIPE_SINGLE),
	[CNID_NL_A_PACKET_SIZE] = { .type = NLA_U16 },
	[CNID_NL_A_EVENT] = NLA_POLICY_RANGE(NLA_U8, CNID_NL_EVENT_CARD_READ,
					     CNID_NL_EVENT_MAX),
	[CNID_NL_A_CARD_TYPE] = NLA_POLICY_MAX(NLA_U8, CNID_NL_CARD_MAX),
	[CNID_NL_A_CARD_VALID] = NLA_POLICY_MAX(NLA_U8, 1),
	[CNID_NL_A_CARD_EXPIRED] = NLA_POLICY_MAX(NLA_U8, 1),
	[CNID_NL_A_CARD_TOKEN] = NLA_POLICY_EXACT_LEN(CNID_NL_TOKEN_LEN),
	[CNID_NL_A_REASON] = NLA_POLICY_MAX(NLA_U8, CNID_NL_REASON_MAX),
	[CNID_NL_A_SW3] = { .type = NLA_U8 },
	[CNID_NL_A_SAM_ID] = { .type = NLA_NUL_STRING,
			       .len = CNID_NL_SAM_ID_MAX },
	[CNID_NL_A_SAM_STATE] = NLA_POLICY_MAX(NLA_U8, CNID_NL_SAM_MAX),
	[CNID_NL_A_CARD_STATE] = NLA_POLICY_MAX(NLA_U8, CNID_NL_CARD_STATE_MAX),
	[CNID_NL_A_SEQ] = { .type = NLA_U32 },
	[CNID_NL_A_TRANSACTIONS] = { .type = NLA_U64 },
	[CNID_NL_A_TIMEOUTS] = { .type = NLA_U64 },
	[CNID_NL_A_CHECKSUM_ERRORS] = { .type = NLA_U64 },
	[CNID_NL_A_RESYNCS] = { .type = NLA_U64 },
	[CNID_NL_A_ERRORS] = { .type = NLA_U64 },
};

static struct genl_family cnid_nl_family;

void cnid_readers_add(struct cnid_dev *dev)
{
	mutex_lock(&cnid_readers_lock);
	list_add_tail(&dev->node, &cnid_readers);
	mutex_unlock(&cnid_readers_lock);
}

void cnid_readers_del(struct cnid_dev *dev)
{
	mutex_lock(&cnid_readers_lock);
	list_del_init(&dev->node);
	mutex_unlock(&cnid_readers_lock);
}

/* The reader with this minor, with a reference held, or NULL. */
static struct cnid_dev *cnid_readers_get(u32 minor)
{
	struct cnid_dev *dev, *found = NULL;

	mutex_lock(&cnid_readers_lock);
	list_for_each_entry(dev, &cnid_readers, node) {
		if (dev->minor == minor) {
			kref_get(&dev->kref);
			found = dev;
			break;
		}
	}
	mutex_unlock(&cnid_readers_lock);
	return found;
}

static int cnid_nl_put_ident(struct sk_buff *skb, struct cnid_dev *dev)
{
	if (nla_put_u32(skb, CNID_NL_A_MINOR, dev->minor) ||
	    nla_put_string(skb, CNID_NL_A_DEVNAME, dev->name) ||
	    nla_put_u32(skb, CNID_NL_A_BUSNUM, dev->udev->bus->busnum) ||
	    nla_put_u32(skb, CNID_NL_A_DEVNUM, dev->udev->devnum) ||
	    nla_put_u16(skb, CNID_NL_A_VENDOR,
			le16_to_cpu(dev->udev->descriptor.idVendor)) ||
	    nla_put_u16(skb, CNID_NL_A_PRODUCT,
			le16_to_cpu(dev->udev->descriptor.idProduct)) ||
	    nla_put_u8(skb, CNID_NL_A_PIPE_MODE, dev->mode) ||
	    nla_put_u16(skb, CNID_NL_A_PACKET_SIZE, dev->in_maxp[0]))
		return -EMSGSIZE;
	return 0;
}

static int cnid_nl_put_state(struct sk_buff *skb, struct cnid_dev *dev)
{
	int ret = 0;

	mutex_lock(&dev->state_lock);
	if (nla_put_u8(skb, CNID_NL_A_SAM_STATE, dev->sam_state) ||
	    (dev->sam_id[0] &&
	     nla_put_string(skb, CNID_NL_A_SAM_ID, dev->sam_id)) ||
	    nla_put_u8(skb, CNID_NL_A_CARD_STATE, dev->card_state) ||
	    nla_put_u8(skb, CNID_NL_A_CARD_TYPE, dev->card_type) ||
	    nla_put_u32(skb, CNID_NL_A_SEQ, dev->seq))
		ret = -EMSGSIZE;
	mutex_unlock(&dev->state_lock);
	if (ret)
		return ret;

	if (nla_put_u64_64bit(skb, CNID_NL_A_TRANSACTIONS,
			      atomic64_read(&dev->transactions), CNID_NL_A_PAD) ||
	    nla_put_u64_64bit(skb, CNID_NL_A_TIMEOUTS,
			      atomic64_read(&dev->timeouts), CNID_NL_A_PAD) ||
	    nla_put_u64_64bit(skb, CNID_NL_A_CHECKSUM_ERRORS,
			      atomic64_read(&dev->checksum_errors), CNID_NL_A_PAD) ||
	    nla_put_u64_64bit(skb, CNID_NL_A_RESYNCS,
			      atomic64_read(&dev->resyncs), CNID_NL_A_PAD) ||
	    nla_put_u64_64bit(skb, CNID_NL_A_ERRORS,
			      atomic64_read(&dev->errors), CNID_NL_A_PAD))
		return -EMSGSIZE;
	return 0;
}

static int cnid_nl_fill_reader(struct sk_buff *skb, struct cnid_dev *dev,
			       u32 portid, u32 seq, int flags)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &cnid_nl_family, flags,
			  CNID_NL_CMD_GET_READER);
	if (!hdr)
		return -EMSGSIZE;
	if (cnid_nl_put_ident(skb, dev) || cnid_nl_put_state(skb, dev)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int cnid_nl_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct cnid_dev *dev;
	struct sk_buff *msg;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, CNID_NL_A_MINOR))
		return -EINVAL;
	dev = cnid_readers_get(nla_get_u32(info->attrs[CNID_NL_A_MINOR]));
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[CNID_NL_A_MINOR],
				    "no reader with this minor");
		return -ENODEV;
	}
	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out;
	}
	ret = cnid_nl_fill_reader(msg, dev, info->snd_portid, info->snd_seq, 0);
	if (ret) {
		nlmsg_free(msg);
		goto out;
	}
	ret = genlmsg_reply(msg, info);
out:
	kref_put(&dev->kref, cnid_delete);
	return ret;
}

static int cnid_nl_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	long idx = 0, start = cb->args[0];
	struct cnid_dev *dev;

	mutex_lock(&cnid_readers_lock);
	list_for_each_entry(dev, &cnid_readers, node) {
		if (idx < start) {
			idx++;
			continue;
		}
		if (cnid_nl_fill_reader(skb, dev, NETLINK_CB(cb->skb).portid,
					cb->nlh->nlmsg_seq, NLM_F_MULTI))
			break;
		idx++;
	}
	mutex_unlock(&cnid_readers_lock);
	cb->args[0] = idx;
	return skb->len;
}

/**
 * cnid_nl_reader_event - tell the events group that a reader came or went
 * @dev: the reader
 * @cmd: CNID_NL_CMD_READER_ADDED or CNID_NL_CMD_READER_REMOVED
 */
void cnid_nl_reader_event(struct cnid_dev *dev, u8 cmd)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&cnid_nl_family, &init_net, 0))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &cnid_nl_family, 0, cmd);
	if (!hdr || cnid_nl_put_ident(msg, dev)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&cnid_nl_family, msg, 0, 0, GFP_KERNEL);
}

struct cnid_announce {
	u8 event;
	u8 card_type;
	u8 valid;
	u8 expired;
	u8 reason;
	u8 sam_state;
	bool has_token;
	bool has_sw3;
	u8 sw3;
	u8 token[CNID_NL_TOKEN_LEN];
	const char *sam_id;
	u32 seq;
};

static int cnid_nl_relay(struct cnid_dev *dev, const struct cnid_announce *an)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&cnid_nl_family, &init_net, 0))
		return 0;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put(msg, 0, 0, &cnid_nl_family, 0, CNID_NL_CMD_CARD_EVENT);
	if (!hdr)
		goto nospace;
	if (cnid_nl_put_ident(msg, dev) ||
	    nla_put_u8(msg, CNID_NL_A_EVENT, an->event) ||
	    nla_put_u32(msg, CNID_NL_A_SEQ, an->seq) ||
	    nla_put_u8(msg, CNID_NL_A_CARD_STATE, dev->card_state) ||
	    nla_put_u8(msg, CNID_NL_A_SAM_STATE, dev->sam_state))
		goto nospace;
	switch (an->event) {
	case CNID_NL_EVENT_CARD_READ:
		if (nla_put_u8(msg, CNID_NL_A_CARD_TYPE, an->card_type) ||
		    nla_put_u8(msg, CNID_NL_A_CARD_VALID, an->valid) ||
		    nla_put_u8(msg, CNID_NL_A_CARD_EXPIRED, an->expired) ||
		    (an->has_token &&
		     nla_put(msg, CNID_NL_A_CARD_TOKEN, CNID_NL_TOKEN_LEN,
			     an->token)))
			goto nospace;
		break;
	case CNID_NL_EVENT_READ_FAILED:
		if (nla_put_u8(msg, CNID_NL_A_REASON, an->reason) ||
		    (an->has_sw3 && nla_put_u8(msg, CNID_NL_A_SW3, an->sw3)))
			goto nospace;
		break;
	case CNID_NL_EVENT_SAM_STATE:
		if (dev->sam_id[0] &&
		    nla_put_string(msg, CNID_NL_A_SAM_ID, dev->sam_id))
			goto nospace;
		break;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&cnid_nl_family, msg, 0, 0, GFP_KERNEL);
	return 0;

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* KOBJ_CHANGE on /dev/cnidN; dev->state_lock held, node_dev valid. */
static void cnid_uevent(struct cnid_dev *dev, const struct cnid_announce *an)
{
	char event[40], type[48], valid[32], expired[32], reason[32];
	char sam[32], seq[32];
	char *envp[8];
	int n = 0;

	snprintf(event, sizeof(event), CNID_UEVENT_EVENT "=%s",
		 cnid_name(cnid_event_names, ARRAY_SIZE(cnid_event_names),
			   an->event));
	envp[n++] = event;
	snprintf(seq, sizeof(seq), CNID_UEVENT_SEQ "=%u", an->seq);
	envp[n++] = seq;
	switch (an->event) {
	case CNID_NL_EVENT_CARD_READ:
		snprintf(type, sizeof(type), CNID_UEVENT_CARD_TYPE "=%s",
			 cnid_card_type_name(an->card_type));
		snprintf(valid, sizeof(valid), CNID_UEVENT_CARD_VALID "=%u",
			 an->valid);
		snprintf(expired, sizeof(expired), CNID_UEVENT_CARD_EXPIRED "=%u",
			 an->expired);
		envp[n++] = type;
		envp[n++] = valid;
		envp[n++] = expired;
		break;
	case CNID_NL_EVENT_READ_FAILED:
		snprintf(reason, sizeof(reason), CNID_UEVENT_REASON "=%s",
			 cnid_name(cnid_reason_names,
				   ARRAY_SIZE(cnid_reason_names), an->reason));
		envp[n++] = reason;
		break;
	case CNID_NL_EVENT_SAM_STATE:
		snprintf(sam, sizeof(sam), CNID_UEVENT_SAM_STATE "=%s",
			 cnid_sam_state_name(an->sam_state));
		envp[n++] = sam;
		break;
	}
	envp[n] = NULL;
	kobject_uevent_env(&dev->node_dev->kobj, KOBJ_CHANGE, envp);
}

static bool cnid_sam_id_ok(const char *s)
{
	for (; *s; s++)
		if (!isdigit(*s) && *s != '.' && *s != '-')
			return false;
	return true;
}

static int cnid_nl_parse_announce(struct genl_info *info,
				  struct cnid_announce *an)
{
	struct nlattr **a = info->attrs;

	if (GENL_REQ_ATTR_CHECK(info, CNID_NL_A_MINOR) ||
	    GENL_REQ_ATTR_CHECK(info, CNID_NL_A_EVENT))
		return -EINVAL;
	memset(an, 0, sizeof(*an));
	an->event = nla_get_u8(a[CNID_NL_A_EVENT]);
	switch (an->event) {
	case CNID_NL_EVENT_CARD_READ:
		if (GENL_REQ_ATTR_CHECK(info, CNID_NL_A_CARD_TYPE) ||
		    GENL_REQ_ATTR_CHECK(info, CNID_NL_A_CARD_VALID) ||
		    GENL_REQ_ATTR_CHECK(info, CNID_NL_A_CARD_EXPIRED))
			return -EINVAL;
		an->card_type = nla_get_u8(a[CNID_NL_A_CARD_TYPE]);
		an->valid = nla_get_u8(a[CNID_NL_A_CARD_VALID]);
		an->expired = nla_get_u8(a[CNID_NL_A_CARD_EXPIRED]);
		if (a[CNID_NL_A_CARD_TOKEN]) {
			an->has_token = true;
			nla_memcpy(an->token, a[CNID_NL_A_CARD_TOKEN],
				   CNID_NL_TOKEN_LEN);
		}
		break;
	case CNID_NL_EVENT_READ_FAILED:
		if (GENL_REQ_ATTR_CHECK(info, CNID_NL_A_REASON))
			return -EINVAL;
		an->reason = nla_get_u8(a[CNID_NL_A_REASON]);
		if (a[CNID_NL_A_SW3]) {
			an->has_sw3 = true;
			an->sw3 = nla_get_u8(a[CNID_NL_A_SW3]);
		}
		break;
	case CNID_NL_EVENT_SAM_STATE:
		if (GENL_REQ_ATTR_CHECK(info, CNID_NL_A_SAM_STATE))
			return -EINVAL;
		an->sam_state = nla_get_u8(a[CNID_NL_A_SAM_STATE]);
		if (a[CNID_NL_A_SAM_ID]) {
			an->sam_id = nla_data(a[CNID_NL_A_SAM_ID]);
			if (!cnid_sam_id_ok(an->sam_id)) {
				NL_SET_ERR_MSG_ATTR(info->extack,
						    a[CNID_NL_A_SAM_ID],
						    "SAM ID holds only digits, '.' and '-'");
				return -EINVAL;
			}
		}
		break;
	}
	return 0;
}

/* Apply an announcement to the reader's state; state_lock held. */
static void cnid_apply(struct cnid_dev *dev, struct cnid_announce *an)
{
	switch (an->event) {
	case CNID_NL_EVENT_CARD_READ:
		dev->card_state = CNID_NL_CARD_STATE_PRESENT;
		dev->card_type = an->card_type;
		break;
	case CNID_NL_EVENT_READ_FAILED:
		dev->card_state = CNID_NL_CARD_STATE_FAILED;
		dev->card_type = CNID_NL_CARD_UNKNOWN;
		break;
	case CNID_NL_EVENT_CARD_REMOVED:
		dev->card_state = CNID_NL_CARD_STATE_ABSENT;
		dev->card_type = CNID_NL_CARD_UNKNOWN;
		break;
	case CNID_NL_EVENT_SAM_STATE:
		dev->sam_state = an->sam_state;
		if (an->sam_id)
			strscpy(dev->sam_id, an->sam_id, sizeof(dev->sam_id));
		break;
	}
	an->seq = ++dev->seq;
}

static int cnid_nl_announce(struct sk_buff *skb, struct genl_info *info)
{
	struct cnid_announce an;
	struct cnid_dev *dev;
	int ret;

	ret = cnid_nl_parse_announce(info, &an);
	if (ret)
		return ret;
	dev = cnid_readers_get(nla_get_u32(info->attrs[CNID_NL_A_MINOR]));
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[CNID_NL_A_MINOR],
				    "no reader with this minor");
		return -ENODEV;
	}
	mutex_lock(&dev->state_lock);
	if (!dev->node_dev) {
		ret = -ENODEV;
		goto unlock;
	}
	cnid_apply(dev, &an);
	cnid_uevent(dev, &an);
	ret = cnid_nl_relay(dev, &an);
unlock:
	mutex_unlock(&dev->state_lock);
	kref_put(&dev->kref, cnid_delete);
	return ret;
}

static const struct genl_small_ops cnid_nl_ops[] = {
	{
		.cmd = CNID_NL_CMD_GET_READER,
		.validate = GENL_DONT_VALIDATE_STRICT | GENL_DONT_VALIDATE_DUMP_STRICT,
		.doit = cnid_nl_get_doit,
		.dumpit = cnid_nl_get_dumpit,
	},
	{
		.cmd = CNID_NL_CMD_ANNOUNCE,
		.validate = GENL_DONT_VALIDATE_STRICT,
		.doit = cnid_nl_announce,
		.flags = GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group cnid_nl_mcgrps[] = {
	{ .name = CNID_GENL_MCGRP_EVENTS },
};

/*
 * Attributes are checked against the policy, but ones this module does not
 * know are ignored rather than refused (liberal parsing, which the core
 * allows only below resv_start_op), so that a newer helper can talk to an
 * older module; the helper learns what is understood from the policy dump
 * (CTRL_CMD_GETPOLICY) and CNID_GENL_VERSION.
 */
static struct genl_family cnid_nl_family __ro_after_init = {
	.name = CNID_GENL_NAME,
	.resv_start_op = CNID_NL_CMD_ANNOUNCE + 1,
	.version = CNID_GENL_VERSION,
	.maxattr = CNID_NL_A_MAX,
	.policy = cnid_nl_policy,
	.module = THIS_MODULE,
	.small_ops = cnid_nl_ops,
	.n_small_ops = ARRAY_SIZE(cnid_nl_ops),
	.mcgrps = cnid_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(cnid_nl_mcgrps),
};

int cnid_nl_init(void)
{
	return genl_register_family(&cnid_nl_family);
}

void cnid_nl_exit(void)
{
	genl_unregister_family(&cnid_nl_family);
}
