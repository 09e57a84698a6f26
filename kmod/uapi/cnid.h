/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * cnid: the user-space interface of the cnid kernel module, the driver for
 * the MPS "SAM" ID-card readers (USB 0400:c35a).
 *
 * Everything user space and the module share is defined here, once: the
 * character device's ioctls and structs, the generic netlink family, its
 * commands, attributes and multicast group, and the keys of the KOBJ_CHANGE
 * uevents.  The module is a transport and a trust anchor: it moves whole
 * SAM frames and relays non-personal card events; it never parses personal
 * data.
 *
 * Compatibility: CNID_UAPI_VERSION grows when something is added; nothing
 * is ever renumbered or removed.  Netlink clients must ignore attributes
 * they do not know and resolve the family and its group by name.
 *
 * User space in this tree includes it as "uapi/cnid.h" (with -Ikmod), so
 * that it never collides with the helper library's own cnid.h.
 */
#ifndef _UAPI_LINUX_CNID_H
#define _UAPI_LINUX_CNID_H

#include <linux/ioctl.h>
#include <linux/types.h>

/** define CNID_UAPI_VERSION - version of this interface */
#define CNID_UAPI_VERSION 1

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
 * struct cnid_dev_info - what the module knows about one reader
 * @uapi_version: CNID_UAPI_VERSION of the module
 * @vendor: USB idVendor
 * @product: USB idProduct
 * @pipe_mode: enum cnid_pipe_mode
 * @card_state: enum cnid_nl_card_state, as last announced by the helper
 * @packet_size: wMaxPacketSize of the (first) bulk IN endpoint
 * @busnum: USB bus number
 * @devnum: USB device number
 * @minor: minor number of this /dev/cnidN node
 * @timeout_ms: the module's default timeout
 * @sam_state: enum cnid_nl_sam_state, as last announced by the helper
 * @card_type: enum cnid_nl_card_type, as last announced by the helper
 * @pad: zero
 * @seq: sequence number of the last relayed event
 * @flags: zero (room for flags)
 * @transactions: transactions that returned a reply
 * @timeouts: transactions that timed out
 * @checksum_errors: replies with a wrong checksum
 * @resyncs: replies that had garbage before their preamble
 * @garbage_bytes: bytes discarded: before preambles, after frames and in
 *	quarantines
 * @errors: transactions that failed for any other reason
 * @sam_id: SAM ID as announced by the helper, NUL-terminated ("" if none)
 * @reserved: zero; room to grow without changing the ioctl number
 */
struct cnid_dev_info {
	__u32 uapi_version;
	__u16 vendor;
	__u16 product;
	__u8 pipe_mode;
	__u8 card_state;
	__u16 packet_size;
	__u32 busnum;
	__u32 devnum;
	__u32 minor;
	__u32 timeout_ms;
	__u8 sam_state;
	__u8 card_type;
	__u16 pad;
	__u32 seq;
	__u32 flags;
	__u64 transactions;
	__u64 timeouts;
	__u64 checksum_errors;
	__u64 resyncs;
	__u64 garbage_bytes;
	__u64 errors;
	char sam_id[48];
	__u64 reserved[4];
};

#define CNID_IOC_MAGIC 0xC5
/* Perform one transaction (struct cnid_xfer). */
#define CNID_IOC_XFER _IOWR(CNID_IOC_MAGIC, 1, struct cnid_xfer)
/* Describe the reader (struct cnid_dev_info). */
#define CNID_IOC_INFO _IOR(CNID_IOC_MAGIC, 2, struct cnid_dev_info)

/*
 * read()/write(): write() one well-formed request frame (EINVAL otherwise,
 * EBUSY if this file's previous request is still outstanding); read() its
 * reply frame, whole (ENOBUFS if the buffer is too small; the reply is
 * kept), or the transaction's error as listed for struct cnid_xfer.  read()
 * with no request outstanding fails with ENOMSG.  poll(): EPOLLIN when a
 * reply or an error is ready, EPOLLOUT when a write() would not wait (no
 * transaction runs and the reader is not quarantined), EPOLLHUP | EPOLLERR
 * once the reader is gone.  A transaction ends by itself (reply, error or
 * deadline) whether or not its file reads; a closed file's is dropped.
 */

/* ---------------------------------------------------------------------- */
/* Generic netlink                                                        */
/* ---------------------------------------------------------------------- */

#define CNID_GENL_NAME "cnid"
#define CNID_GENL_VERSION 1
/* Multicast group every user may join; it never carries personal data. */
#define CNID_GENL_MCGRP_EVENTS "events"

/**
 * enum cnid_nl_cmd - generic netlink commands
 * @CNID_NL_CMD_UNSPEC: unused
 * @CNID_NL_CMD_GET_READER: any user: with CNID_NL_A_MINOR, one reader;
 *	as a dump, every reader.  Replies use the same command.
 * @CNID_NL_CMD_ANNOUNCE: CAP_NET_ADMIN: the helper publishes an event for
 *	a reader (CNID_NL_A_MINOR, CNID_NL_A_EVENT and the event's
 *	attributes); the module updates the reader's state and relays it.
 * @CNID_NL_CMD_READER_ADDED: event: a reader was bound
 * @CNID_NL_CMD_READER_REMOVED: event: a reader went away
 * @CNID_NL_CMD_CARD_EVENT: event: relayed announcement
 * @__CNID_NL_CMD_MAX: internal
 */
enum cnid_nl_cmd {
	CNID_NL_CMD_UNSPEC,
	CNID_NL_CMD_GET_READER,
	CNID_NL_CMD_ANNOUNCE,
	CNID_NL_CMD_READER_ADDED,
	CNID_NL_CMD_READER_REMOVED,
	CNID_NL_CMD_CARD_EVENT,
	__CNID_NL_CMD_MAX,
};

#define CNID_NL_CMD_MAX (__CNID_NL_CMD_MAX - 1)

/**
 * enum cnid_nl_attr - generic netlink attributes
 * @CNID_NL_A_UNSPEC: unused
 * @CNID_NL_A_PAD: padding for 64-bit attributes
 * @CNID_NL_A_MINOR: u32, minor number of /dev/cnidN (identifies a reader)
 * @CNID_NL_A_DEVNAME: string, "cnidN"
 * @CNID_NL_A_BUSNUM: u32, USB bus number
 * @CNID_NL_A_DEVNUM: u32, USB device number
 * @CNID_NL_A_VENDOR: u16, idVendor
 * @CNID_NL_A_PRODUCT: u16, idProduct
 * @CNID_NL_A_PIPE_MODE: u8, enum cnid_pipe_mode
 * @CNID_NL_A_PACKET_SIZE: u16, bulk IN packet size
 * @CNID_NL_A_EVENT: u8, enum cnid_nl_event
 * @CNID_NL_A_CARD_TYPE: u8, enum cnid_nl_card_type
 * @CNID_NL_A_CARD_VALID: u8, 1 if the card passed validation
 * @CNID_NL_A_CARD_EXPIRED: u8, 1 if the card is past its validity
 * @CNID_NL_A_CARD_TOKEN: binary, CNID_NL_TOKEN_LEN bytes: an opaque
 *	per-boot token chosen by the helper so that listeners can recognise
 *	the same card again without learning anything about it
 * @CNID_NL_A_REASON: u8, enum cnid_nl_reason (read failed)
 * @CNID_NL_A_SW3: u8, status byte the SAM answered (read failed)
 * @CNID_NL_A_SAM_ID: string, the SAM ID as the helper formats it
 * @CNID_NL_A_SAM_STATE: u8, enum cnid_nl_sam_state
 * @CNID_NL_A_CARD_STATE: u8, enum cnid_nl_card_state
 * @CNID_NL_A_SEQ: u32, per-reader sequence number of relayed events
 * @CNID_NL_A_TRANSACTIONS: u64 counter (see struct cnid_dev_info)
 * @CNID_NL_A_TIMEOUTS: u64 counter
 * @CNID_NL_A_CHECKSUM_ERRORS: u64 counter
 * @CNID_NL_A_RESYNCS: u64 counter
 * @CNID_NL_A_ERRORS: u64 counter
 * @__CNID_NL_A_MAX: internal
 */
enum cnid_nl_attr {
	CNID_NL_A_UNSPEC,
	CNID_NL_A_PAD,
	CNID_NL_A_MINOR,
	CNID_NL_A_DEVNAME,
	CNID_NL_A_BUSNUM,
	CNID_NL_A_DEVNUM,
	CNID_NL_A_VENDOR,
	CNID_NL_A_PRODUCT,
	CNID_NL_A_PIPE_MODE,
	CNID_NL_A_PACKET_SIZE,
	CNID_NL_A_EVENT,
	CNID_NL_A_CARD_TYPE,
	CNID_NL_A_CARD_VALID,
	CNID_NL_A_CARD_EXPIRED,
	CNID_NL_A_CARD_TOKEN,
	CNID_NL_A_REASON,
	CNID_NL_A_SW3,
	CNID_NL_A_SAM_ID,
	CNID_NL_A_SAM_STATE,
	CNID_NL_A_CARD_STATE,
	CNID_NL_A_SEQ,
	CNID_NL_A_TRANSACTIONS,
	CNID_NL_A_TIMEOUTS,
	CNID_NL_A_CHECKSUM_ERRORS,
	CNID_NL_A_RESYNCS,
	CNID_NL_A_ERRORS,
	__CNID_NL_A_MAX,
};

#define CNID_NL_A_MAX (__CNID_NL_A_MAX - 1)

#define CNID_NL_TOKEN_LEN 16
#define CNID_NL_SAM_ID_MAX 47	/* string length, without the NUL */

/**
 * enum cnid_nl_event - what an announcement (and its relay) reports
 * @CNID_NL_EVENT_NONE: unused
 * @CNID_NL_EVENT_CARD_READ: a card was read: CNID_NL_A_CARD_TYPE,
 *	CNID_NL_A_CARD_VALID, CNID_NL_A_CARD_EXPIRED, CNID_NL_A_CARD_TOKEN
 * @CNID_NL_EVENT_READ_FAILED: a card is there but could not be read:
 *	CNID_NL_A_REASON, optionally CNID_NL_A_SW3
 * @CNID_NL_EVENT_CARD_REMOVED: the card left the field
 * @CNID_NL_EVENT_SAM_STATE: CNID_NL_A_SAM_STATE, optionally CNID_NL_A_SAM_ID
 * @__CNID_NL_EVENT_MAX: internal
 */
enum cnid_nl_event {
	CNID_NL_EVENT_NONE,
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
 * @CNID_NL_REASON_SAM: the SAM reported an error (see CNID_NL_A_SW3)
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
 * @CNID_NL_CARD_STATE_ABSENT: no card
 * @CNID_NL_CARD_STATE_PRESENT: a card was read and is still there
 * @CNID_NL_CARD_STATE_FAILED: a card is there but reading it failed
 * @__CNID_NL_CARD_STATE_MAX: internal
 */
enum cnid_nl_card_state {
	CNID_NL_CARD_STATE_UNKNOWN,
	CNID_NL_CARD_STATE_ABSENT,
	CNID_NL_CARD_STATE_PRESENT,
	CNID_NL_CARD_STATE_FAILED,
	__CNID_NL_CARD_STATE_MAX,
};

#define CNID_NL_CARD_STATE_MAX (__CNID_NL_CARD_STATE_MAX - 1)

/*
 * KOBJ_CHANGE uevents on the /dev/cnidN device (SUBSYSTEM=="usbmisc"),
 * one per relayed announcement, with these keys and no others of ours.
 * Values: CNID_EVENT card_read | read_failed | card_removed | sam_state;
 * CNID_CARD_TYPE unknown | resident | hkmotw_permit |
 * foreign_permanent_2017 | foreign_permanent_2023; CNID_CARD_VALID and
 * CNID_CARD_EXPIRED 0 | 1; CNID_REASON unknown | timeout | protocol | sam |
 * card | unsupported; CNID_SAM_STATE unknown | ok | fault; CNID_SEQ decimal.
 */
#define CNID_UEVENT_EVENT "CNID_EVENT"
#define CNID_UEVENT_CARD_TYPE "CNID_CARD_TYPE"
#define CNID_UEVENT_CARD_VALID "CNID_CARD_VALID"
#define CNID_UEVENT_CARD_EXPIRED "CNID_CARD_EXPIRED"
#define CNID_UEVENT_REASON "CNID_REASON"
#define CNID_UEVENT_SAM_STATE "CNID_SAM_STATE"
#define CNID_UEVENT_SEQ "CNID_SEQ"

#endif /* _UAPI_LINUX_CNID_H */
