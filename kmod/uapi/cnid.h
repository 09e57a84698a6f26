/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * cnid: the user-space interface of the cnid kernel module, the driver for
 * the MPS "SAM" ID-card readers (USB 0400:c35a).
 *
 * Everything user space and the module share is defined here, once: the
 * character device's ioctls and structs, the generic netlink family, its
 * commands, attributes and multicast group, and the keys of the KOBJ_CHANGE
 * uevents.  The module is a transport and a trust anchor: it moves whole
 * SAM frames; the helper that serves a reader (CNID_IOC_SERVE) announces
 * card events through it, the module keeps them and tells everyone the
 * public part, and the details only to those the reader's node admits.
 * It never parses personal data.
 *
 * Compatibility: CNID_UAPI_VERSION grows when something is added; nothing
 * is ever renumbered or removed (version 2 redid the announcement model
 * before any release).  Netlink clients must ignore attributes they do not
 * know and resolve the family and its group by name.
 *
 * User space in this tree includes it as "uapi/cnid.h" (with -Ikmod), so
 * that it never collides with the helper library's own cnid.h.
 */
#ifndef _UAPI_LINUX_CNID_H
#define _UAPI_LINUX_CNID_H

#include <linux/ioctl.h>
#include <linux/types.h>

/** define CNID_UAPI_VERSION - version of this interface */
#define CNID_UAPI_VERSION 2

/* USB identity of the readers the module binds by default. */
#define CNID_USB_VENDOR 0x0400
#define CNID_USB_PRODUCT 0xc35a

/*
 * Frame limits as the module enforces them.  A frame is
 * AA AA AA 96 69 | LEN_H LEN_L | LEN bytes (the last one the XOR checksum).
 */
#define CNID_WIRE_HDR_LEN 7		/* preamble + LEN */
#define CNID_WIRE_FRAME_MAX 2321	/* largest frame in either direction */
#define CNID_WIRE_REQ_LEN_MIN 3		/* CMD PARA CHK */
#define CNID_WIRE_RESP_LEN_MIN 4	/* SW1 SW2 SW3 CHK */

/* Per-call timeouts are capped at this many milliseconds. */
#define CNID_TIMEOUT_MAX_MS 60000

/**
 * enum cnid_pipe_mode - how frames travel over the bulk endpoints
 * @CNID_PIPE_SPLIT: two bulk pairs; the 7-byte header goes on the first
 *	OUT endpoint and the body on the second; replies likewise on the
 *	first and second IN endpoints.
 * @CNID_PIPE_SINGLE: one bulk pair; whole frames in packet-sized pieces.
 */
enum cnid_pipe_mode {
	CNID_PIPE_SPLIT = 1,
	CNID_PIPE_SINGLE = 2,
};

/**
 * struct cnid_xfer - one whole transaction: a request frame out, its reply in
 * @request: user pointer to the request frame
 * @reply: user pointer to a buffer for the reply frame
 * @request_len: bytes at @request; must be exactly one well-formed frame
 *	(preamble, LEN = @request_len - 7, LEN >= 3, correct checksum)
 * @reply_size: bytes available at @reply (CNID_WIRE_FRAME_MAX always fits)
 * @reply_len: out: length of the reply frame (also set on -ENOBUFS)
 * @timeout_ms: whole-transaction timeout; 0 means the module default
 *	(parameter timeout_ms); at most CNID_TIMEOUT_MAX_MS
 * @flags: must be 0
 * @garbage: out: bytes discarded before the reply's preamble
 *
 * Errors (see also kmod/README.md): EINVAL malformed request
 * or bad field; ENOBUFS @reply_size too small (the reply is dropped);
 * ETIMEDOUT no complete reply in time (silence, a truncated reply, an
 * endless stream); EBADMSG reply checksum wrong; EMSGSIZE reply LEN above
 * the maximum; EPROTO reply LEN below the minimum, or more garbage than two
 * maximal frames; EPIPE the device stalled an endpoint; EIO other USB
 * errors; ENODEV the reader is gone; ECONNABORTED a system suspend or a
 * device reset ended the transaction (send the request again); EINTR a
 * signal handler without SA_RESTART ran (the transaction goes on: the same
 * request again gets its reply); EAGAIN the reader is busy or quarantined
 * and the file is O_NONBLOCK; EBUSY the file's write() is outstanding.  A
 * reply whose SW3 reports an error is a successful transaction: the module
 * does not interpret it.
 */
struct cnid_xfer {
	__u64 request;
	__u64 reply;
	__u32 request_len;
	__u32 reply_size;
	__u32 reply_len;
	__u32 timeout_ms;
	__u32 flags;
	__u32 garbage;
};

/**
 * struct cnid_dev_info - the reader's transport, as its node's users see it
 * @uapi_version: CNID_UAPI_VERSION of the module
 * @vendor: USB idVendor
 * @product: USB idProduct
 * @pipe_mode: enum cnid_pipe_mode
 * @pad: zero
 * @packet_size: wMaxPacketSize of the (first) bulk IN endpoint
 * @busnum: USB bus number
 * @devnum: USB device number
 * @minor: minor number of this /dev/cnidN node (its reader id)
 * @timeout_ms: the module's default timeout
 * @flags: zero (room for flags)
 * @reserved: zero; room to grow without changing the ioctl number
 *
 * The announced state is CNID_IOC_STATE's; the transaction counters are in
 * sysfs (kmod/README.md): each thing is exported once per channel.
 */
struct cnid_dev_info {
	__u32 uapi_version;
	__u16 vendor;
	__u16 product;
	__u8 pipe_mode;
	__u8 pad;
	__u16 packet_size;
	__u32 busnum;
	__u32 devnum;
	__u32 minor;
	__u32 timeout_ms;
	__u32 flags;
	__u64 reserved[4];
};

#define CNID_TOKEN_LEN 16
#define CNID_SAM_ID_MAX 47	/* string length, without the NUL */
#define CNID_PORT_MAX 31	/* string length, without the NUL */
/* Reader ids: USB readers are their minor (0-255), serial ones from here. */
#define CNID_SERIAL_ID_BASE 256
#define CNID_SERIAL_MAX 128

/* struct cnid_state.flags */
#define CNID_STATE_TOKEN 0x01	/* @token is set */
#define CNID_STATE_SW3 0x02	/* @sw3 is set */
#define CNID_STATE_SERVED 0x04	/* out: a helper serves the reader */

/**
 * struct cnid_state - a reader's announced state, with the card's details
 * @reader: reader id: out; in for CNID_IOC_STATE on /dev/cnid-ctl (a
 *	serial reader's id)
 * @seq: out: sequence number of the last announcement (0: none yet); it
 *	is also the CNID_NL_A_SEQ and CNID_SEQ of that announcement's public
 *	event
 * @event: enum cnid_nl_event: what the last announcement reported; in
 *	for CNID_IOC_ANNOUNCE
 * @card_state: out: enum cnid_nl_card_state (the event decides it)
 * @card_type: enum cnid_nl_card_type (card_read)
 * @valid: 1 if the card passed the helper's validation (card_read)
 * @expired: 1 if the card is past its validity (card_read)
 * @reason: enum cnid_nl_reason (read_failed)
 * @sw3: the SAM's status byte (read_failed, with CNID_STATE_SW3)
 * @sam_state: enum cnid_nl_sam_state (sam_state)
 * @flags: CNID_STATE_TOKEN, CNID_STATE_SW3; out also CNID_STATE_SERVED
 * @pad: zero
 * @expiry: the card's end of validity as the decimal number YYYYMMDD, or
 *	0 when not given; 99991231 for "long-term" (card_read)
 * @token: CNID_TOKEN_LEN opaque bytes chosen by the helper, per boot and
 *	per card, so that those allowed to use the reader can recognise the
 *	same card again (card_read, with CNID_STATE_TOKEN)
 * @sam_id: the SAM ID as the helper formats it: digits, '.' and '-' only,
 *	NUL-terminated and zero-padded, "" if none (sam_state)
 * @reserved: zero
 *
 * CNID_IOC_ANNOUNCE: the fields of the announced @event must be set and
 * valid, every other field zero (EINVAL otherwise, nothing applied).
 * card_present, card_read, read_failed and card_removed replace the card
 * fields (@card_type, @valid, @expired, @expiry, @token, @reason, @sw3,
 * their flags) with the event's; sam_state replaces @sam_state and
 * @sam_id and keeps the card's.
 */
struct cnid_state {
	__u32 reader;
	__u32 seq;
	__u8 event;
	__u8 card_state;
	__u8 card_type;
	__u8 valid;
	__u8 expired;
	__u8 reason;
	__u8 sw3;
	__u8 sam_state;
	__u8 flags;
	__u8 pad[3];
	__u32 expiry;
	__u8 token[CNID_TOKEN_LEN];
	char sam_id[CNID_SAM_ID_MAX + 1];
	__u64 reserved[2];
};

/**
 * struct cnid_serial - register a serial reader (CNID_IOC_REGISTER)
 * @reader: out: its reader id (CNID_SERIAL_ID_BASE and up)
 * @flags: zero
 * @port: the port as the helper names it ("ttyUSB0"): letters, digits,
 *	'.', '_', '-', ':' and '/', NUL-terminated and zero-padded, not empty
 * @reserved: zero
 */
struct cnid_serial {
	__u32 reader;
	__u32 flags;
	char port[CNID_PORT_MAX + 1];
	__u64 reserved[2];
};

#define CNID_IOC_MAGIC 0xC5
/* Perform one transaction (struct cnid_xfer). */
#define CNID_IOC_XFER _IOWR(CNID_IOC_MAGIC, 1, struct cnid_xfer)
/* Describe the reader (struct cnid_dev_info). */
#define CNID_IOC_INFO _IOR(CNID_IOC_MAGIC, 2, struct cnid_dev_info)
/*
 * On /dev/cnidN opened for writing, by a caller with CAP_NET_ADMIN or
 * CAP_SYS_ADMIN: become the reader's server.  Returns a new file
 * descriptor (close-on-exec), the "server fd"; the role lasts as long as
 * that file.  EPERM without the capability or write access, EBUSY while
 * another server fd of the reader exists.
 */
#define CNID_IOC_SERVE _IO(CNID_IOC_MAGIC, 3)
/*
 * On a server fd only (ENOTTY elsewhere): announce an event for its reader
 * (struct cnid_state, see there).  Applied whole or not at all: on success
 * (0) the reader's state is updated and its seq advanced, the public event
 * goes to the "events" group and out as a uevent; on an error nothing
 * changed and the call may be retried.  ENODEV once the reader is gone.
 */
#define CNID_IOC_ANNOUNCE _IOW(CNID_IOC_MAGIC, 4, struct cnid_state)
/*
 * On /dev/cnidN: the reader's state with the card's details.  On
 * /dev/cnid-ctl: the same for the serial reader @reader (ENODEV if there is
 * none).  poll() on /dev/cnidN gives EPOLLPRI while the reader's seq differs
 * from the seq this file last fetched with CNID_IOC_STATE.
 */
#define CNID_IOC_STATE _IOWR(CNID_IOC_MAGIC, 5, struct cnid_state)
/*
 * On /dev/cnid-ctl opened for writing, by a caller with CAP_NET_ADMIN or
 * CAP_SYS_ADMIN: register a serial reader, a reader the module does not
 * drive.  Returns its server fd; the reader exists as long as that file.
 * EPERM, EINVAL (bad @port or nonzero fields), ENOSPC (CNID_SERIAL_MAX
 * readers).
 */
#define CNID_IOC_REGISTER _IOWR(CNID_IOC_MAGIC, 6, struct cnid_serial)

/*
 * read()/write(): write() one well-formed request frame (EINVAL otherwise,
 * EBUSY if this file's previous request is still outstanding); read() its
 * reply frame, whole (ENOBUFS if the buffer is too small; the reply is
 * kept), or the transaction's error as listed for struct cnid_xfer.  read()
 * with no request outstanding fails with ENOMSG.  poll(): EPOLLIN when a
 * reply or an error is ready, EPOLLOUT when a write() would not wait (no
 * transaction runs and the reader is not quarantined), EPOLLPRI when the
 * announced state changed (CNID_IOC_STATE), EPOLLHUP | EPOLLERR once the
 * reader is gone.  A transaction ends by itself (reply, error or deadline)
 * whether or not its file reads; a closed file's is dropped.
 */

/* ---------------------------------------------------------------------- */
/* Generic netlink                                                        */
/* ---------------------------------------------------------------------- */

/*
 * Public: any user may dump readers and join the "events" group.  What
 * travels here is only that a reader came or went, that a card was
 * presented, read, failed or removed, the SAM state and ID, and sequence
 * numbers: never a card type, a validity, an expiry or a token (those are
 * CNID_IOC_STATE's, for whom the reader's node admits).  Requests are
 * validated strictly: unknown attributes, attributes above the op's
 * maximum, of the wrong length or with trailing bytes are refused (EINVAL
 * with an extack message); the ops and attributes the family accepts are
 * in its policy dump (CTRL_CMD_GETPOLICY).  Nothing is announced over
 * netlink: see CNID_IOC_ANNOUNCE.
 */
#define CNID_GENL_NAME "cnid"
#define CNID_GENL_VERSION 2
#define CNID_GENL_MCGRP_EVENTS "events"

/**
 * enum cnid_nl_cmd - generic netlink commands
 * @CNID_NL_CMD_UNSPEC: unused
 * @CNID_NL_CMD_GET_READER: any user: with CNID_NL_A_READER, one reader;
 *	as a dump, every reader.  Replies use the same command and carry
 *	the reader's identity (see CNID_NL_CMD_READER_ADDED), and
 *	CNID_NL_A_SERVED, CNID_NL_A_CARD_STATE, CNID_NL_A_SAM_STATE,
 *	CNID_NL_A_SAM_ID (if any) and CNID_NL_A_SEQ.
 * @CNID_NL_CMD_READER_ADDED: event: a reader came: CNID_NL_A_READER,
 *	CNID_NL_A_DEVNAME and, for USB, CNID_NL_A_BUSNUM, CNID_NL_A_DEVNUM,
 *	CNID_NL_A_VENDOR, CNID_NL_A_PRODUCT, CNID_NL_A_PIPE_MODE,
 *	CNID_NL_A_PACKET_SIZE; for a serial reader CNID_NL_A_PORT
 * @CNID_NL_CMD_READER_REMOVED: event: a reader went away:
 *	CNID_NL_A_READER, CNID_NL_A_DEVNAME
 * @CNID_NL_CMD_CARD_EVENT: event: an announcement: CNID_NL_A_READER,
 *	CNID_NL_A_EVENT, CNID_NL_A_SEQ; for sam_state also
 *	CNID_NL_A_SAM_STATE and CNID_NL_A_SAM_ID (if any)
 * @__CNID_NL_CMD_MAX: internal
 */
enum cnid_nl_cmd {
	CNID_NL_CMD_UNSPEC,
	CNID_NL_CMD_GET_READER,
	CNID_NL_CMD_READER_ADDED,
	CNID_NL_CMD_READER_REMOVED,
	CNID_NL_CMD_CARD_EVENT,
	__CNID_NL_CMD_MAX,
};

#define CNID_NL_CMD_MAX (__CNID_NL_CMD_MAX - 1)

/**
 * enum cnid_nl_attr - generic netlink attributes
 * @CNID_NL_A_UNSPEC: unused
 * @CNID_NL_A_READER: u32, reader id: a USB reader's minor (/dev/cnidN),
 *	a serial reader's CNID_SERIAL_ID_BASE + n; the only attribute a
 *	request may carry
 * @CNID_NL_A_DEVNAME: string: "cnidN", or "cnid-sN" for a serial reader
 * @CNID_NL_A_BUSNUM: u32, USB bus number
 * @CNID_NL_A_DEVNUM: u32, USB device number
 * @CNID_NL_A_VENDOR: u16, idVendor
 * @CNID_NL_A_PRODUCT: u16, idProduct
 * @CNID_NL_A_PIPE_MODE: u8, enum cnid_pipe_mode
 * @CNID_NL_A_PACKET_SIZE: u16, bulk IN packet size
 * @CNID_NL_A_PORT: string, a serial reader's port (struct cnid_serial)
 * @CNID_NL_A_SERVED: u8, 1 while a helper serves the reader
 * @CNID_NL_A_EVENT: u8, enum cnid_nl_event
 * @CNID_NL_A_CARD_STATE: u8, enum cnid_nl_card_state
 * @CNID_NL_A_SAM_STATE: u8, enum cnid_nl_sam_state
 * @CNID_NL_A_SAM_ID: string, the SAM ID as the helper formats it
 * @CNID_NL_A_SEQ: u32, the reader's announcement sequence number
 * @__CNID_NL_A_MAX: internal
 */
enum cnid_nl_attr {
	CNID_NL_A_UNSPEC,
	CNID_NL_A_READER,
	CNID_NL_A_DEVNAME,
	CNID_NL_A_BUSNUM,
	CNID_NL_A_DEVNUM,
	CNID_NL_A_VENDOR,
	CNID_NL_A_PRODUCT,
	CNID_NL_A_PIPE_MODE,
	CNID_NL_A_PACKET_SIZE,
	CNID_NL_A_PORT,
	CNID_NL_A_SERVED,
	CNID_NL_A_EVENT,
	CNID_NL_A_CARD_STATE,
	CNID_NL_A_SAM_STATE,
	CNID_NL_A_SAM_ID,
	CNID_NL_A_SEQ,
	__CNID_NL_A_MAX,
};

#define CNID_NL_A_MAX (__CNID_NL_A_MAX - 1)

/**
 * enum cnid_nl_event - what an announcement (and its public event) reports
 * @CNID_NL_EVENT_NONE: unused
 * @CNID_NL_EVENT_CARD_PRESENT: a card arrived; it is being read
 * @CNID_NL_EVENT_CARD_READ: a card was read: card type, valid, expired,
 *	optionally expiry and token (details only in struct cnid_state)
 * @CNID_NL_EVENT_READ_FAILED: a card is there but could not be read:
 *	reason, optionally SW3 (details only in struct cnid_state)
 * @CNID_NL_EVENT_CARD_REMOVED: the card left the field
 * @CNID_NL_EVENT_SAM_STATE: the SAM's state, optionally its ID
 * @__CNID_NL_EVENT_MAX: internal
 */
enum cnid_nl_event {
	CNID_NL_EVENT_NONE,
	CNID_NL_EVENT_CARD_PRESENT,
	CNID_NL_EVENT_CARD_READ,
	CNID_NL_EVENT_READ_FAILED,
	CNID_NL_EVENT_CARD_REMOVED,
	CNID_NL_EVENT_SAM_STATE,
	__CNID_NL_EVENT_MAX,
};

#define CNID_NL_EVENT_MAX (__CNID_NL_EVENT_MAX - 1)

/**
 * enum cnid_nl_card_type - card types (same order as the helper library)
 * @CNID_NL_CARD_UNKNOWN: not known
 * @CNID_NL_CARD_RESIDENT: resident identity card
 * @CNID_NL_CARD_HKMOTW_PERMIT: Hong Kong/Macau/Taiwan residence permit
 * @CNID_NL_CARD_FOREIGN_2017: foreign permanent resident card, 2017
 * @CNID_NL_CARD_FOREIGN_2023: foreign permanent resident card, 2023
 * @__CNID_NL_CARD_MAX: internal
 */
enum cnid_nl_card_type {
	CNID_NL_CARD_UNKNOWN,
	CNID_NL_CARD_RESIDENT,
	CNID_NL_CARD_HKMOTW_PERMIT,
	CNID_NL_CARD_FOREIGN_2017,
	CNID_NL_CARD_FOREIGN_2023,
	__CNID_NL_CARD_MAX,
};

#define CNID_NL_CARD_MAX (__CNID_NL_CARD_MAX - 1)

/**
 * enum cnid_nl_reason - why a read failed
 * @CNID_NL_REASON_UNKNOWN: not said
 * @CNID_NL_REASON_TIMEOUT: the reader did not answer in time
 * @CNID_NL_REASON_PROTOCOL: malformed reply (framing, checksum)
 * @CNID_NL_REASON_SAM: the SAM reported an error (see sw3)
 * @CNID_NL_REASON_CARD: the card failed authentication or reading
 * @CNID_NL_REASON_UNSUPPORTED: the card type is not supported
 * @__CNID_NL_REASON_MAX: internal
 */
enum cnid_nl_reason {
	CNID_NL_REASON_UNKNOWN,
	CNID_NL_REASON_TIMEOUT,
	CNID_NL_REASON_PROTOCOL,
	CNID_NL_REASON_SAM,
	CNID_NL_REASON_CARD,
	CNID_NL_REASON_UNSUPPORTED,
	__CNID_NL_REASON_MAX,
};

#define CNID_NL_REASON_MAX (__CNID_NL_REASON_MAX - 1)

/**
 * enum cnid_nl_sam_state - state of the reader's security module
 * @CNID_NL_SAM_UNKNOWN: nothing announced yet
 * @CNID_NL_SAM_OK: the SAM answers and reports success
 * @CNID_NL_SAM_FAULT: the SAM reports an error or does not answer
 * @__CNID_NL_SAM_MAX: internal
 */
enum cnid_nl_sam_state {
	CNID_NL_SAM_UNKNOWN,
	CNID_NL_SAM_OK,
	CNID_NL_SAM_FAULT,
	__CNID_NL_SAM_MAX,
};

#define CNID_NL_SAM_MAX (__CNID_NL_SAM_MAX - 1)

/**
 * enum cnid_nl_card_state - the card in the field, as announced
 * @CNID_NL_CARD_STATE_UNKNOWN: nothing announced yet
 * @CNID_NL_CARD_STATE_ABSENT: no card (card_removed)
 * @CNID_NL_CARD_STATE_PRESENT: a card is there, not read yet (card_present)
 * @CNID_NL_CARD_STATE_READ: a card was read and is still there (card_read)
 * @CNID_NL_CARD_STATE_FAILED: a card is there but reading it failed
 *	(read_failed)
 * @__CNID_NL_CARD_STATE_MAX: internal
 */
enum cnid_nl_card_state {
	CNID_NL_CARD_STATE_UNKNOWN,
	CNID_NL_CARD_STATE_ABSENT,
	CNID_NL_CARD_STATE_PRESENT,
	CNID_NL_CARD_STATE_READ,
	CNID_NL_CARD_STATE_FAILED,
	__CNID_NL_CARD_STATE_MAX,
};

#define CNID_NL_CARD_STATE_MAX (__CNID_NL_CARD_STATE_MAX - 1)

/*
 * KOBJ_CHANGE uevents, one per announcement: on /dev/cnidN
 * (SUBSYSTEM=="usbmisc") for a USB reader, on /dev/cnid-ctl
 * (SUBSYSTEM=="misc") for a serial one, with these keys and no others of
 * ours (they are public: no card type, validity or token).  Values:
 * CNID_EVENT card_present | card_read | read_failed | card_removed |
 * sam_state; CNID_READER and CNID_SEQ decimal; CNID_SAM_STATE unknown | ok
 * | fault (sam_state events only).
 */
#define CNID_UEVENT_EVENT "CNID_EVENT"
#define CNID_UEVENT_READER "CNID_READER"
#define CNID_UEVENT_SEQ "CNID_SEQ"
#define CNID_UEVENT_SAM_STATE "CNID_SAM_STATE"

/* The control node for serial readers (misc device). */
#define CNID_CTL_NAME "cnid-ctl"

#endif /* _UAPI_LINUX_CNID_H */
