"""Returned mail as mail servers send it, built from the structure the RFCs give: delivery
status notifications (RFC 3464, multipart/report; report-type=delivery-status) and abuse
reports (ARF, RFC 5965, multipart/report; report-type=feedback-report)."""

from __future__ import annotations

ORIGINAL_HEADERS = (
    "From: Oolvay News <news@oolvay.example>\r\n"
    "To: {recipient}\r\n"
    "Subject: New post: Hello\r\n"
    "Date: Thu, 01 Jan 2026 12:00:00 +0000\r\n"
    "Message-ID: <post.1@oolvay.example>\r\n"
    'List-Id: "Oolvay News" <posts.oolvay.example>\r\n'
)


def dsn(
    *,
    return_path: str,
    recipient: str,
    action: str = "failed",
    status: str = "5.1.1",
    diagnostic: str = "smtp; 550 5.1.1 <{recipient}>: Recipient address rejected: User unknown",
    delivered_to: bool = True,
) -> bytes:
    """A DSN from the recipient's mail server to the original's return path. With
    ``delivered_to``, as a Maildir holds it: the delivering server's Delivered-To line."""
    headers = f"Delivered-To: {return_path}\r\n" if delivered_to else ""
    return (
        headers + "Return-Path: <>\r\n"
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\n"
        f"To: {return_path}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Date: Thu, 01 Jan 2026 12:01:00 +0000\r\n"
        "Message-ID: <20260101120100.1@mx.example.net>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="RPT"\r\n'
        "\r\n"
        "--RPT\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n"
        "\r\n"
        "This is the mail system at host mx.example.net.\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n"
        "\r\n"
        "--RPT\r\n"
        "Content-Type: message/delivery-status\r\n"
        "\r\n"
        "Reporting-MTA: dns; mx.example.net\r\n"
        "Arrival-Date: Thu, 01 Jan 2026 12:00:30 +0000\r\n"
        "\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        f"Original-Recipient: rfc822;{recipient}\r\n"
        f"Action: {action}\r\n"
        f"Status: {status}\r\n"
        "Remote-MTA: dns; mail.example.org\r\n"
        f"Diagnostic-Code: {diagnostic.format(recipient=recipient)}\r\n"
        "\r\n"
        "--RPT\r\n"
        "Content-Type: text/rfc822-headers\r\n"
        "\r\n" + ORIGINAL_HEADERS.format(recipient=recipient) + "\r\n"
        "--RPT--\r\n"
    ).encode()


def arf(
    *,
    return_path: str,
    recipient: str,
    feedback_type: str = "abuse",
    to: str = "fbl@oolvay.example",
) -> bytes:
    """An abuse report from the reader's mailbox provider: the original comes back whole,
    with the Return-Path its last server added, and Original-Mail-From names it too."""
    return (
        "From: Feedback Loop <feedback@provider.example>\r\n"
        f"To: {to}\r\n"
        "Subject: FW: New post: Hello\r\n"
        "Date: Thu, 01 Jan 2026 13:00:00 +0000\r\n"
        "Message-ID: <report.7@provider.example>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=feedback-report; boundary="ARF"\r\n'
        "\r\n"
        "--ARF\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n"
        "\r\n"
        "This is an email abuse report for an email message received from IP\r\n"
        "192.0.2.25 on Thu, 01 Jan 2026 12:00:30 +0000.\r\n"
        "\r\n"
        "--ARF\r\n"
        "Content-Type: message/feedback-report\r\n"
        "\r\n"
        f"Feedback-Type: {feedback_type}\r\n"
        "User-Agent: ProviderFBL/1.0\r\n"
        "Version: 1\r\n"
        f"Original-Mail-From: <{return_path}>\r\n"
        f"Original-Rcpt-To: <{recipient}>\r\n"
        "Arrival-Date: Thu, 01 Jan 2026 12:00:30 +0000\r\n"
        "Source-IP: 192.0.2.25\r\n"
        "Reported-Domain: oolvay.example\r\n"
        "\r\n"
        "--ARF\r\n"
        "Content-Type: message/rfc822\r\n"
        "Content-Disposition: inline\r\n"
        "\r\n"
        f"Return-Path: <{return_path}>\r\n"
        + ORIGINAL_HEADERS.format(recipient=recipient)
        + "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "A new post is up.\r\n"
        "\r\n"
        "--ARF--\r\n"
    ).encode()


def auto_reply(*, to: str) -> bytes:
    return (
        "From: Ann <ann@example.org>\r\n"
        f"To: {to}\r\n"
        "Subject: Out of office\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "\r\n"
        "I am away until Monday.\r\n"
    ).encode()
