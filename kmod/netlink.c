// SPDX-License-Identifier: GPL-2.0-only
/*
 * cnid: the readers' announced state and where it goes.
 *
 * Only a reader's server fd announces (CNID_IOC_SERVE on its /dev/cnidN;
 * CNID_IOC_REGISTER on /dev/cnid-ctl for a serial reader, which lives as
 * long as that fd).  The public part goes to everyone (generic netlink
 * family "cnid", uevents), the details only to whom the reader's node
 * admits (CNID_IOC_STATE, EPOLLPRI).  kmod/README.md, "Trust and privacy".
 */
#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/kobject.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <net/genetlink.h>

#include "cnid_drv.h"

static LIST_HEAD(cnid_readers);
/* the list and every reader's state; nests in no lock of ours */
static DEFINE_MUTEX(cnid_readers_lock);
static unsigned int cnid_readers_gen = 1;	/* list changes, for dumps */
static DEFINE_IDA(cnid_serial_ida);
static struct genl_family cnid_nl_family;
static struct miscdevice cnid_ctl;

static const char * const cnid_event_names[] = {
	[CNID_NL_EVENT_CARD_PRESENT] = "card_present",
	[CNID_NL_EVENT_CARD_READ] = "card_read",
	[CNID_NL_EVENT_READ_FAILED] = "read_failed",
	[CNID_NL_EVENT_CARD_REMOVED] = "card_removed",
	[CNID_NL_EVENT_SAM_STATE] = "sam_state",
};

static const u8 cnid_event_card_state[] = {
	[CNID_NL_EVENT_CARD_PRESENT] = CNID_NL_CARD_STATE_PRESENT,
	[CNID_NL_EVENT_CARD_READ] = CNID_NL_CARD_STATE_READ,
	[CNID_NL_EVENT_READ_FAILED] = CNID_NL_CARD_STATE_FAILED,
	[CNID_NL_EVENT_CARD_REMOVED] = CNID_NL_CARD_STATE_ABSENT,
};

static const char * const cnid_sam_state_names[] = {
	[CNID_NL_SAM_UNKNOWN] = "unknown",
	[CNID_NL_SAM_OK] = "ok",
	[CNID_NL_SAM_FAULT] = "fault",
};

/* A request carries at most the reader's id. */
static const struct nla_policy cnid_nl_get_policy[CNID_NL_A_READER + 1] = {
	[CNID_NL_A_READER] = { .type = NLA_U32 },
};

static struct cnid_reader *cnid_find(u32 id)
{
	struct cnid_reader *r;

	lockdep_assert_held(&cnid_readers_lock);
	list_for_each_entry(r, &cnid_readers, node)
		if (r->id == id)
			return r;
	return NULL;
}

static int cnid_put_ident(struct sk_buff *skb, struct cnid_reader *r,
			  bool full)
{
	struct usb_device *udev = r->dev ? r->dev->udev : NULL;

	if (nla_put_u32(skb, CNID_NL_A_READER, r->id) ||
	    nla_put_string(skb, CNID_NL_A_DEVNAME, r->name))
		return -EMSGSIZE;
	if (!full)
		return 0;
	if (!udev)
		return nla_put_string(skb, CNID_NL_A_PORT, r->port);
	if (nla_put_u32(skb, CNID_NL_A_BUSNUM, udev->bus->busnum) ||
	    nla_put_u32(skb, CNID_NL_A_DEVNUM, udev->devnum) ||
	    nla_put_u16(skb, CNID_NL_A_VENDOR,
			le16_to_cpu(udev->descriptor.idVendor)) ||
	    nla_put_u16(skb, CNID_NL_A_PRODUCT,
			le16_to_cpu(udev->descriptor.idProduct)) ||
	    nla_put_u8(skb, CNID_NL_A_PIPE_MODE, r->dev->mode) ||
	    nla_put_u16(skb, CNID_NL_A_PACKET_SIZE, r->dev->in_maxp[0]))
		return -EMSGSIZE;
	return 0;
}

static int cnid_fill_reader(struct sk_buff *skb, struct cnid_reader *r,
			    u32 portid, u32 seq, struct netlink_callback *cb)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &cnid_nl_family,
			  cb ? NLM_F_MULTI : 0, CNID_NL_CMD_GET_READER);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (cnid_put_ident(skb, r, true) ||
	    nla_put_u8(skb, CNID_NL_A_SERVED, r->served) ||
	    nla_put_u8(skb, CNID_NL_A_CARD_STATE, r->st.card_state) ||
	    nla_put_u8(skb, CNID_NL_A_SAM_STATE, r->st.sam_state) ||
	    (r->st.sam_id[0] &&
	     nla_put_string(skb, CNID_NL_A_SAM_ID, r->st.sam_id)) ||
	    nla_put_u32(skb, CNID_NL_A_SEQ, r->st.seq)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int cnid_nl_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct cnid_reader *r;
	struct sk_buff *msg;
	int ret = -ENODEV;

	if (GENL_REQ_ATTR_CHECK(info, CNID_NL_A_READER))
		return -EINVAL;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&cnid_readers_lock);
	r = cnid_find(nla_get_u32(info->attrs[CNID_NL_A_READER]));
	if (r)
		ret = cnid_fill_reader(msg, r, info->snd_portid, info->snd_seq,
				       NULL);
	mutex_unlock(&cnid_readers_lock);
	if (ret) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[CNID_NL_A_READER],
				    "no reader with this id");
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/* Resumes by position; a list change in between sets NLM_F_DUMP_INTR. */
static int cnid_nl_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct cnid_reader *r;
	long idx = 0;

	mutex_lock(&cnid_readers_lock);
	cb->seq = cnid_readers_gen;
	list_for_each_entry(r, &cnid_readers, node) {
		if (idx >= cb->args[0] &&
		    cnid_fill_reader(skb, r, NETLINK_CB(cb->skb).portid,
				     cb->nlh->nlmsg_seq, cb))
			break;
		idx++;
	}
	mutex_unlock(&cnid_readers_lock);
	cb->args[0] = idx;
	return skb->len;
}

/* An event for the group, or NULL when nobody listens; lock held. */
static struct sk_buff *cnid_nl_event(struct cnid_reader *r, u8 cmd,
				     const struct cnid_state *st)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&cnid_nl_family, &init_net, 0))
		return NULL;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return ERR_PTR(-ENOMEM);
	hdr = genlmsg_put(msg, 0, 0, &cnid_nl_family, 0, cmd);
	if (!hdr || cnid_put_ident(msg, r, cmd == CNID_NL_CMD_READER_ADDED))
		goto nospace;
	if (st && (nla_put_u8(msg, CNID_NL_A_EVENT, st->event) ||
		   nla_put_u32(msg, CNID_NL_A_SEQ, st->seq)))
		goto nospace;
	if (st && st->event == CNID_NL_EVENT_SAM_STATE &&
	    (nla_put_u8(msg, CNID_NL_A_SAM_STATE, st->sam_state) ||
	     (st->sam_id[0] &&
	      nla_put_string(msg, CNID_NL_A_SAM_ID, st->sam_id))))
		goto nospace;
	genlmsg_end(msg, hdr);
	return msg;
nospace:
	nlmsg_free(msg);
	return ERR_PTR(-EMSGSIZE);
}

static void cnid_nl_send(struct sk_buff *msg)
{
	if (!IS_ERR_OR_NULL(msg))
		genlmsg_multicast(&cnid_nl_family, msg, 0, 0, GFP_KERNEL);
}

/* KOBJ_CHANGE with the public keys only; lock held, reader listed. */
static void cnid_uevent(struct cnid_reader *r, const struct cnid_state *st)
{
	struct device *d = r->dev ? r->dev->intf->usb_dev : cnid_ctl.this_device;
	char event[40], reader[32], seq[32], sam[40];
	char *envp[5] = { event, reader, seq, sam };

	snprintf(event, sizeof(event), CNID_UEVENT_EVENT "=%s",
		 cnid_event_names[st->event]);
	snprintf(reader, sizeof(reader), CNID_UEVENT_READER "=%u", r->id);
	snprintf(seq, sizeof(seq), CNID_UEVENT_SEQ "=%u", st->seq);
	snprintf(sam, sizeof(sam), CNID_UEVENT_SAM_STATE "=%s",
		 cnid_sam_state_names[st->sam_state]);
	if (st->event != CNID_NL_EVENT_SAM_STATE)
		envp[3] = NULL;
	kobject_uevent_env(&d->kobj, KOBJ_CHANGE, envp);
}

void cnid_reader_init(struct cnid_reader *r, struct cnid_dev *dev)
{
	INIT_LIST_HEAD(&r->node);
	init_waitqueue_head(&r->wait);
	r->dev = dev;
}

/* Unlisted, a reader takes no announcement and gets no uevent. */
static void cnid_reader_list(struct cnid_reader *r, bool add)
{
	mutex_lock(&cnid_readers_lock);
	if (add == list_empty(&r->node)) {
		if (add)
			list_add_tail(&r->node, &cnid_readers);
		else
			list_del_init(&r->node);
		cnid_readers_gen++;
		cnid_nl_send(cnid_nl_event(r, add ? CNID_NL_CMD_READER_ADDED :
					   CNID_NL_CMD_READER_REMOVED, NULL));
	}
	mutex_unlock(&cnid_readers_lock);
}

/* From probe, once the minor is known and the node exists. */
void cnid_readers_add(struct cnid_dev *dev)
{
	dev->rd.id = dev->minor;
	strscpy(dev->rd.name, dev->name, sizeof(dev->rd.name));
	cnid_reader_list(&dev->rd, true);
}

/* From disconnect, before the node and its minor go. */
void cnid_readers_del(struct cnid_dev *dev)
{
	cnid_reader_list(&dev->rd, false);
}

/* NUL-terminated within @size, zero after, only digits, @extra, letters. */
static bool cnid_str_ok(const char *s, size_t size, const char *extra,
			bool alpha)
{
	size_t i, n = strnlen(s, size);

	if (n == size || memchr_inv(s + n, 0, size - n))
		return false;
	for (i = 0; i < n; i++)
		if (!isdigit(s[i]) && !(alpha && isalpha(s[i])) &&
		    !strchr(extra, s[i]))
			return false;
	return true;
}

static bool cnid_date_ok(u32 d)
{
	u32 m = d / 100 % 100, day = d % 100;

	return !d || (d >= 19000101 && d <= 99991231 && m >= 1 && m <= 12 &&
		      day >= 1 && day <= 31);
}

/* @n: @a's fields that @a's event uses; every other one must be zero. */
static int cnid_announce_check(const struct cnid_state *a, struct cnid_state *n)
{
	memset(n, 0, sizeof(*n));
	n->event = a->event;
	switch (a->event) {
	case CNID_NL_EVENT_CARD_READ:
		n->card_type = a->card_type;
		n->valid = a->valid;
		n->expired = a->expired;
		n->expiry = a->expiry;
		n->flags = a->flags & CNID_STATE_TOKEN;
		if (n->flags)
			memcpy(n->token, a->token, CNID_TOKEN_LEN);
		if (n->card_type > CNID_NL_CARD_MAX || n->valid > 1 ||
		    n->expired > 1 || !cnid_date_ok(n->expiry))
			return -EINVAL;
		break;
	case CNID_NL_EVENT_READ_FAILED:
		n->reason = a->reason;
		n->flags = a->flags & CNID_STATE_SW3;
		if (n->flags)
			n->sw3 = a->sw3;
		if (n->reason > CNID_NL_REASON_MAX)
			return -EINVAL;
		break;
	case CNID_NL_EVENT_SAM_STATE:
		n->sam_state = a->sam_state;
		memcpy(n->sam_id, a->sam_id, sizeof(n->sam_id));
		if (n->sam_state > CNID_NL_SAM_MAX ||
		    !cnid_str_ok(n->sam_id, sizeof(n->sam_id), ".-", false))
			return -EINVAL;
		break;
	case CNID_NL_EVENT_CARD_PRESENT:
	case CNID_NL_EVENT_CARD_REMOVED:
		break;
	default:
		return -EINVAL;
	}
	return memcmp(n, a, sizeof(*n)) ? -EINVAL : 0;
}

/* Everything that can fail happens before the state changes. */
static long cnid_announce(struct cnid_reader *r, void __user *uarg)
{
	struct cnid_state a, n, *st = &r->st;
	struct sk_buff *msg;
	int ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	ret = cnid_announce_check(&a, &n);
	if (ret)
		return ret;
	mutex_lock(&cnid_readers_lock);
	ret = -ENODEV;
	if (list_empty(&r->node))
		goto out;
	if (n.event != CNID_NL_EVENT_SAM_STATE) {
		n.card_state = cnid_event_card_state[n.event];
		n.sam_state = st->sam_state;
		memcpy(n.sam_id, st->sam_id, sizeof(n.sam_id));
	} else {
		a = *st;		/* the card's fields stay */
		a.event = n.event;
		a.sam_state = n.sam_state;
		memcpy(a.sam_id, n.sam_id, sizeof(a.sam_id));
		n = a;
	}
	n.reader = r->id;
	n.seq = st->seq + 1;
	msg = cnid_nl_event(r, CNID_NL_CMD_CARD_EVENT, &n);
	ret = PTR_ERR_OR_ZERO(msg);
	if (ret)
		goto out;
	n.seq = st->seq;
	*st = n;
	WRITE_ONCE(st->seq, st->seq + 1);	/* poll reads it unlocked */
	cnid_nl_send(msg);
	cnid_uevent(r, st);
	wake_up_interruptible(&r->wait);
out:
	mutex_unlock(&cnid_readers_lock);
	return ret;
}

static bool cnid_admin(struct file *file)
{
	return (file->f_mode & FMODE_WRITE) &&
	       (capable(CAP_NET_ADMIN) || capable(CAP_SYS_ADMIN));
}

static long cnid_server_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	if (cmd != CNID_IOC_ANNOUNCE)
		return -ENOTTY;
	return cnid_announce(file->private_data, (void __user *)arg);
}

static int cnid_server_release(struct inode *inode, struct file *file)
{
	struct cnid_reader *r = file->private_data;

	if (!r->dev) {		/* a serial reader lives as long as this */
		cnid_reader_list(r, false);
		ida_free(&cnid_serial_ida, r->id - CNID_SERIAL_ID_BASE);
		kfree(r);
		return 0;
	}
	mutex_lock(&cnid_readers_lock);
	r->served = false;
	mutex_unlock(&cnid_readers_lock);
	kref_put(&r->dev->kref, cnid_delete);
	return 0;
}

static const struct file_operations cnid_server_fops = {
	.owner = THIS_MODULE,
	.release = cnid_server_release,
	.unlocked_ioctl = cnid_server_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static int cnid_server_fd(struct cnid_reader *r)
{
	int fd = -EBUSY;

	mutex_lock(&cnid_readers_lock);
	if (list_empty(&r->node))
		fd = -ENODEV;
	else if (!r->served)
		fd = anon_inode_getfd("[cnid-server]", &cnid_server_fops, r,
				      O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		r->served = true;
		if (r->dev)
			kref_get(&r->dev->kref);
	}
	mutex_unlock(&cnid_readers_lock);
	return fd;
}

/* CNID_IOC_SERVE on /dev/cnidN */
long cnid_serve(struct file *file)
{
	struct cnid_file *cf = file->private_data;

	return cnid_admin(file) ? cnid_server_fd(&cf->dev->rd) : -EPERM;
}

static void cnid_state_get(struct cnid_reader *r, struct cnid_state *st)
{
	lockdep_assert_held(&cnid_readers_lock);
	*st = r->st;
	st->reader = r->id;
	if (r->served)
		st->flags |= CNID_STATE_SERVED;
}

/* CNID_IOC_STATE on /dev/cnidN */
long cnid_state(struct file *file, void __user *uarg)
{
	struct cnid_file *cf = file->private_data;
	struct cnid_state st;

	mutex_lock(&cnid_readers_lock);
	cnid_state_get(&cf->dev->rd, &st);
	mutex_unlock(&cnid_readers_lock);
	if (copy_to_user(uarg, &st, sizeof(st)))
		return -EFAULT;
	WRITE_ONCE(cf->state_seq, st.seq);
	return 0;
}

/* poll() on /dev/cnidN: EPOLLPRI while there is a state not fetched. */
__poll_t cnid_state_poll(struct file *file, poll_table *wait)
{
	struct cnid_file *cf = file->private_data;
	struct cnid_reader *r = &cf->dev->rd;

	poll_wait(file, &r->wait, wait);
	return READ_ONCE(r->st.seq) != READ_ONCE(cf->state_seq) ? EPOLLPRI : 0;
}

static long cnid_ctl_register(struct file *file, void __user *uarg)
{
	struct cnid_reader *r;
	struct cnid_serial s;
	int id, fd;

	if (!cnid_admin(file))
		return -EPERM;
	if (copy_from_user(&s, uarg, sizeof(s)))
		return -EFAULT;
	if (s.reader || s.flags || memchr_inv(s.reserved, 0, sizeof(s.reserved)) ||
	    !s.port[0] || !cnid_str_ok(s.port, sizeof(s.port), "._-:/", true))
		return -EINVAL;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	id = ida_alloc_max(&cnid_serial_ida, CNID_SERIAL_MAX - 1, GFP_KERNEL);
	if (id < 0) {
		kfree(r);
		return id;
	}
	cnid_reader_init(r, NULL);
	r->id = CNID_SERIAL_ID_BASE + id;
	snprintf(r->name, sizeof(r->name), "cnid-s%u", (u8)id);
	strscpy(r->port, s.port, sizeof(r->port));
	s.reader = r->id;
	fd = copy_to_user(uarg, &s, sizeof(s)) ? -EFAULT : 0;
	if (!fd) {
		cnid_reader_list(r, true);
		fd = cnid_server_fd(r);
		if (fd < 0)
			cnid_reader_list(r, false);
	}
	if (fd < 0) {
		ida_free(&cnid_serial_ida, id);
		kfree(r);
	}
	return fd;
}

/* CNID_IOC_STATE on /dev/cnid-ctl: a serial reader's, by id */
static long cnid_ctl_state(void __user *uarg)
{
	struct cnid_reader *r;
	struct cnid_state st;
	u32 id;

	if (get_user(id, (u32 __user *)uarg))
		return -EFAULT;
	mutex_lock(&cnid_readers_lock);
	r = id >= CNID_SERIAL_ID_BASE ? cnid_find(id) : NULL;
	if (r)
		cnid_state_get(r, &st);
	mutex_unlock(&cnid_readers_lock);
	if (!r)
		return -ENODEV;
	return copy_to_user(uarg, &st, sizeof(st)) ? -EFAULT : 0;
}

static long cnid_ctl_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	if (cmd == CNID_IOC_REGISTER)
		return cnid_ctl_register(file, (void __user *)arg);
	if (cmd == CNID_IOC_STATE)
		return cnid_ctl_state((void __user *)arg);
	return -ENOTTY;
}

static const struct file_operations cnid_ctl_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = cnid_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice cnid_ctl = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = CNID_CTL_NAME,
	.fops = &cnid_ctl_fops,
	.mode = 0600,	/* udev-rules/70-cnid.rules: root:cnid 0660 */
};

/* Strict validation (resv_start_op 0): only GET, only CNID_NL_A_READER. */
static const struct genl_ops cnid_nl_ops[] = {
	{
		.cmd = CNID_NL_CMD_GET_READER,
		.doit = cnid_nl_get_doit,
		.dumpit = cnid_nl_get_dumpit,
		.policy = cnid_nl_get_policy,
		.maxattr = ARRAY_SIZE(cnid_nl_get_policy) - 1,
	},
};

static const struct genl_multicast_group cnid_nl_mcgrps[] = {
	{ .name = CNID_GENL_MCGRP_EVENTS },
};

static struct genl_family cnid_nl_family __ro_after_init = {
	.name = CNID_GENL_NAME,
	.version = CNID_GENL_VERSION,
	.module = THIS_MODULE,
	.ops = cnid_nl_ops,
	.n_ops = ARRAY_SIZE(cnid_nl_ops),
	.mcgrps = cnid_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(cnid_nl_mcgrps),
};

int cnid_nl_init(void)
{
	int ret = genl_register_family(&cnid_nl_family);

	if (ret)
		return ret;
	ret = misc_register(&cnid_ctl);
	if (ret)
		genl_unregister_family(&cnid_nl_family);
	return ret;
}

void cnid_nl_exit(void)
{
	misc_deregister(&cnid_ctl);
	genl_unregister_family(&cnid_nl_family);
}
