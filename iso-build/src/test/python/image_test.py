#!/usr/bin/env python3
"""Boots Tandem's image in qemu and uses it as an operator would, over the serial console only.

Two guests from the qcow2 (one by UEFI, one by BIOS), linked by a point-to-point network (qemu's UDP socket
netdev on the host's loopback, 198.18.0.0/24 inside), are set up by the first-boot wizard as the first and
the second node of a pair whose one backend is an HTTP server on the host's loopback (10.0.2.2 from the
guests, through qemu's user-mode networking). Then:
  - each node's frontend answers through its forwarded port with the backend's page;
  - the first node holds the virtual address, the second does not;
  - the first powered off (ACPI): the second takes the virtual address;
  - the first booted again: it takes the virtual address back.
Then the live ISO boots by BIOS and by UEFI to the wizard's first question.

Usage: image_test.py QCOW2 ISO RESULTS   (RESULTS: a file the measured times are written to)
"""

import http.server
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import urllib.request

import guest as guest_module
from guest import Guest, Timeout, accelerator, slow_down

PASSWORD = "Tandem-image-test-4711"
VIP = "198.18.0.100"
BACKEND_PAGE = b"backend on the host says hello\n"
FIRST_QUESTION = r"Hostname \[[^\]\n]*\]: "
FIRST_BOOT = r"Tandem first-boot setup: press Enter to start it on this console \(ttyS0\)\."


class Backend(http.server.BaseHTTPRequestHandler):
    """The pool's one server, on the host's loopback: the guests reach it at 10.0.2.2."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(BACKEND_PAGE)))
        self.end_headers()
        self.wfile.write(BACKEND_PAGE)

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def await_true(condition, timeout, what):
    timeout *= guest_module.SLOWER
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return
        if time.monotonic() > deadline:
            raise Timeout("%s did not happen within %d s" % (what, timeout))
        time.sleep(1)


def frontend_answers(port):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=5) as response:
            return response.status == 200 and response.read() == BACKEND_PAGE
    except OSError:
        return False


class Run:
    def __init__(self):
        self.passed = 0
        self.started = time.monotonic()
        self.results = []

    def step(self, text):
        print("image-test: [%d s] %s" % (time.monotonic() - self.started, text), flush=True)

    def ok(self, text):
        self.passed += 1
        self.step("ok: " + text)

    def record(self, key, value):
        self.results.append("%s=%s" % (key, value))


def start_wizard(guest, boot_timeout):
    """Waits for the first-boot prompt, starts the wizard with Enter and waits for its first question;
    returns the seconds from power-on to each."""
    guest.expect(FIRST_BOOT, boot_timeout)
    console = time.monotonic() - guest.started_at
    guest.send("")
    guest.expect(FIRST_QUESTION, 300)
    return console, time.monotonic() - guest.started_at


def wizard(guest, role, address, peer, backend, secret=None):
    """Answers the first-boot questions on the guest's serial console, from the first (the caller has waited
    for it); returns the secret the first node shows."""
    guest.send("lb-a" if role == "first" else "lb-b")
    guest.expect(r"Network interfaces: eth0, eth1", 60)
    guest.answer("Management interface [eth0]: ", "eth1")
    guest.answer("Address of eth1 (CIDR like 192.0.2.10/24, or dhcp) [dhcp]: ", address + "/24")
    guest.answer("Default gateway (IP address, or none) [none]: ", "")
    guest.answer("Role (standalone, first, second) [standalone]: ", role)
    guest.answer("Virtual address(es) (CIDR, comma-separated): ", VIP + "/24")
    guest.answer("Interface for the virtual address(es) [eth1]: ", "")
    guest.answer("VRID, the same on both nodes (1-255) [51]: ", "")
    guest.answer("Priority of this node (1-254) [%s]: " % ("150" if role == "first" else "100"), "")
    guest.answer("Address of the other node (unicast VRRP peer): ", peer)
    shown = None
    if role == "first":
        shown = guest.expect(r"Cluster secret: (\S+=)", 120).group(1).decode()
    else:
        guest.answer("Cluster secret (as shown on the first node): ", secret)
    guest.answer("Backend pool name [app]: ", "")
    guest.answer("Servers of app (host:port, comma-separated): ", backend)
    guest.answer("Frontend port [80]: ", "")
    guest.answer("Balance algorithm (roundrobin, leastconn, source, uri, random, maglev) [roundrobin]: ", "")
    guest.answer("Health check (tcp, none, or an HTTP path like /healthz) [tcp]: ", "")
    guest.answer("Apply? [y/N]: ", "y", 300)
    guest.expect(r"Setup complete\. Frontend: http://", 300)
    guest.answer("New password: ", PASSWORD, 120)
    guest.answer("Retype new password: ", PASSWORD, 60)
    guest.expect(r"password updated successfully", 60)
    return shown


def holds_vip(guest):
    return ("%s/24" % VIP) in guest.shell("ip -4 -br addr show dev eth1")


def main():
    qcow2, iso, results_path = sys.argv[1:4]
    # A CI timeout's SIGTERM still kills the guests and removes their disks (the finally blocks below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    accel, why = accelerator()
    run = Run()
    run.step("accelerator %s (%s)" % (accel, why))
    run.record("accelerator", accel)
    if accel == "tcg":
        slow_down(10)
    boot_timeout = 300
    workdir = tempfile.mkdtemp(prefix="tandem-image-test.", dir=os.environ.get("TANDEM_IMAGE_TEST_DIR", "/var/tmp"))
    backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    backend_address = "10.0.2.2:%d" % backend.server_address[1]
    link = (free_udp_port(), free_udp_port())
    a = Guest("node-a", workdir, qcow2, free_port(), firmware="uefi", pair_link=link, mac_suffix=1)
    b = Guest("node-b", workdir, qcow2, free_port(), firmware="bios", pair_link=(link[1], link[0]),
              mac_suffix=2)
    guests = [a, b]
    try:
        run.step("booting node-a (UEFI) and node-b (BIOS) from %s; consoles logged in %s" % (qcow2, workdir))
        for guest in guests:
            guest.start(accel)
        console, question = start_wizard(a, boot_timeout)
        run.ok("node-a (UEFI) booted to the first-boot prompt in %d s, the wizard's first question after %d s"
               % (console, question))
        run.record("uefi_disk_boot_to_first_boot_prompt_seconds", "%d" % console)
        run.record("uefi_disk_boot_to_first_question_seconds", "%d" % question)
        secret = wizard(a, "first", "198.18.0.11", "198.18.0.12", backend_address)
        configured_a = time.monotonic()
        run.ok("node-a set up as the first node by the wizard")
        await_true(lambda: frontend_answers(a.frontend_port), 300, "node-a's frontend answering")
        serving = time.monotonic() - configured_a
        run.ok("node-a's frontend answered with the backend's page %d s after the wizard" % serving)
        run.record("wizard_to_serving_seconds", "%d" % serving)
        run.record("power_on_to_serving_seconds", "%d" % (time.monotonic() - a.started_at))

        console, question = start_wizard(b, boot_timeout)
        run.ok("node-b (BIOS) booted to the first-boot prompt in %d s, the wizard's first question after %d s"
               % (console, question))
        run.record("bios_disk_boot_to_first_boot_prompt_seconds", "%d" % console)
        wizard(b, "second", "198.18.0.12", "198.18.0.11", backend_address, secret=secret)
        run.ok("node-b set up as the second node with the first node's secret")
        await_true(lambda: frontend_answers(b.frontend_port), 300, "node-b's frontend answering")
        run.ok("node-b's frontend answered with the backend's page")

        a.login(PASSWORD)
        b.login(PASSWORD)
        await_true(lambda: holds_vip(a), 120, "node-a holding %s" % VIP)
        if holds_vip(b):
            raise AssertionError("both nodes hold %s" % VIP)
        run.ok("node-a (priority 150) holds %s, node-b does not" % VIP)

        run.step("powering node-a off (ACPI power button)")
        off = time.monotonic()
        a.monitor("system_powerdown")
        if not a.wait_exit(300 * guest_module.SLOWER):
            raise Timeout("node-a did not power off within 300 s")
        await_true(lambda: holds_vip(b), 60, "node-b taking %s" % VIP)
        run.ok("node-a powered off: node-b took %s %d s after the power button" % (VIP, time.monotonic() - off))
        run.record("takeover_after_poweroff_seconds", "%d" % (time.monotonic() - off))

        run.step("booting node-a again")
        a.kill()
        a.start(accel)
        back = time.monotonic()
        a.login(PASSWORD, boot_timeout)
        run.ok("node-a booted to its login prompt (configured: no wizard) in %d s" % (time.monotonic() - back))
        await_true(lambda: not holds_vip(b), 300, "node-b giving %s back" % VIP)
        await_true(lambda: holds_vip(a), 60, "node-a holding %s again" % VIP)
        run.ok("node-a back: it took %s back (preempt) %d s after its power-on" % (VIP, time.monotonic() - back))
        await_true(lambda: frontend_answers(a.frontend_port), 300, "node-a's frontend answering after the reboot")
        run.ok("node-a's frontend answers after the reboot")
        for guest in guests:
            guest.kill()

        for firmware in ("bios", "uefi"):
            live = Guest("live-" + firmware, workdir, iso, free_port(), firmware=firmware, cdrom=True)
            guests.append(live)
            live.start(accel)
            console, question = start_wizard(live, boot_timeout)
            run.ok("the live ISO booted by %s to the first-boot prompt in %d s, the wizard's first question after"
                   " %d s" % (firmware.upper(), console, question))
            run.record("%s_iso_boot_to_first_boot_prompt_seconds" % firmware, "%d" % console)
            live.kill()
    except (Timeout, AssertionError, RuntimeError) as failure:
        print("image-test: FAILED: %s" % failure, file=sys.stderr)
        print("image-test: %d passed, 1 failed (consoles in %s)" % (run.passed, workdir))
        return 1
    finally:
        backend.shutdown()
        for guest in guests:
            guest.kill()
            guest.remove_disk()
        with open(results_path, "w") as results:
            results.write("\n".join(run.results) + "\n")
    shutil.rmtree(workdir)
    print("image-test: %d passed, 0 failed" % run.passed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
