"""A qemu guest booted from Tandem's image, driven over its serial console, as an operator would."""

import os
import re
import socket
import subprocess
import threading
import time

OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
# Escape sequences a console program may write (colours, cursor moves, bracketed paste): matched around.
ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]|\r")


def accelerator():
    """kvm where it can boot a stock kernel, else tcg, with the reason; TANDEM_IMAGE_ACCEL overrides."""
    chosen = os.environ.get("TANDEM_IMAGE_ACCEL")
    if chosen:
        return chosen, "TANDEM_IMAGE_ACCEL=" + chosen
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "tcg", "no usable /dev/kvm"
    if os.path.isdir("/sys/module/kvm_pvm"):
        # PVM (pagetable-based virtual machines, nested without hardware support) runs only guest kernels
        # built for it: Debian's kernel stops in its decompressor.
        return "tcg", "/dev/kvm is PVM (kvm_pvm), which cannot boot Debian's kernel"
    return "kvm", "/dev/kvm"


# Every wait is this many times longer under TCG (image_test.py sets it), which emulates the processor: a JVM
# starts ~10 times slower than under KVM.
SLOWER = 1


def slow_down(factor):
    global SLOWER
    SLOWER = factor


class Timeout(Exception):
    """What a guest did not print in time, with the end of its console."""


class Guest:
    """One qemu process: a disk (a copy-on-write overlay over the image) or an ISO, user-mode networking with
    the frontend's port forwarded from the host's loopback, optionally a second NIC on a point-to-point UDP
    link to another guest, the serial console on a unix socket."""

    def __init__(self, name, workdir, image, frontend_port, firmware="bios", cdrom=False, pair_link=None,
                 mac_suffix=1):
        self.name = name
        self.workdir = workdir
        # qemu-img takes a relative backing file as relative to the overlay's directory, not to ours.
        self.image = os.path.abspath(image)
        self.frontend_port = frontend_port
        self.firmware = firmware
        self.cdrom = cdrom
        self.pair_link = pair_link
        self.mac_suffix = mac_suffix
        self.overlay = None if cdrom else os.path.join(workdir, name + ".qcow2")
        self.serial_path = os.path.join(workdir, name + ".serial")
        self.monitor_path = os.path.join(workdir, name + ".monitor")
        self.log_path = os.path.join(workdir, name + ".console.log")
        self.process = None
        self.started_at = None
        self._output = bytearray()
        self._position = 0
        self._lock = threading.Condition()
        self._socket = None
        self._reader = None

    def create_disk(self):
        """The guest's own disk: writes land in an overlay, the image stays as built."""
        if self.overlay and not os.path.exists(self.overlay):
            subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", self.image, "-F", "qcow2",
                            self.overlay], check=True)

    def command(self, accel):
        cmd = ["qemu-system-x86_64", "-name", self.name, "-machine", "q35", "-m", "1024", "-smp", "1",
               "-nodefaults", "-display", "none", "-vga", "std",
               "-chardev", "socket,id=serial0,path=%s,server=on,wait=off" % self.serial_path,
               "-serial", "chardev:serial0",
               "-monitor", "unix:%s,server=on,wait=off" % self.monitor_path,
               "-netdev", "user,id=user,hostfwd=tcp:127.0.0.1:%d-:80" % self.frontend_port,
               "-device", "virtio-net-pci,netdev=user,mac=52:54:00:00:00:%02x,addr=0x3" % self.mac_suffix]
        cmd += ["-accel", "kvm", "-cpu", "host"] if accel == "kvm" else ["-accel", "tcg", "-cpu", "max"]
        if self.pair_link:
            local, remote = self.pair_link
            cmd += ["-netdev", "socket,id=pair,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d" % (remote, local),
                    "-device", "virtio-net-pci,netdev=pair,mac=52:54:00:00:01:%02x,addr=0x4" % self.mac_suffix]
        if self.cdrom:
            cmd += ["-drive", "file=%s,media=cdrom,readonly=on,if=none,id=cd", "-device", "ide-cd,drive=cd"]
            cmd[-3] = cmd[-3] % self.image
        else:
            cmd += ["-drive", "file=%s,if=virtio,format=qcow2" % self.overlay]
        if self.firmware == "uefi":
            variables = os.path.join(self.workdir, self.name + ".vars.fd")
            if not os.path.exists(variables):
                with open(OVMF_VARS, "rb") as src, open(variables, "wb") as dst:
                    dst.write(src.read())
            cmd += ["-drive", "if=pflash,format=raw,readonly=on,file=" + OVMF_CODE,
                    "-drive", "if=pflash,format=raw,file=" + variables]
        return cmd

    def start(self, accel):
        self.create_disk()
        self.started_at = time.monotonic()
        with open(os.path.join(self.workdir, self.name + ".qemu.log"), "ab") as log:
            self.process = subprocess.Popen(self.command(accel), stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self._socket.connect(self.serial_path)
                break
            except OSError:
                self._socket.close()
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("%s: qemu did not open its serial console (exit %s; see %s.qemu.log)"
                                       % (self.name, self.process.poll(), self.name))
                time.sleep(0.2)
        self._reader = threading.Thread(target=self._read, name=self.name + "-console", daemon=True)
        self._reader.start()

    def _read(self):
        with open(self.log_path, "ab") as log:
            while True:
                try:
                    data = self._socket.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    return
                log.write(data)
                log.flush()
                with self._lock:
                    self._output += data
                    self._lock.notify_all()

    def expect(self, pattern, timeout):
        """Waits for pattern (a regex on the console's text without escape sequences) after what the last
        expect matched; returns the match."""
        regex = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        timeout *= SLOWER
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                text = ESCAPES.sub(b"", bytes(self._output[self._position:]))
                match = regex.search(text)
                if match:
                    # Where the match ends in the raw output: the escapes removed before it are skipped too.
                    self._position = self._raw_end(match.end())
                    return match
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.process and self.process.poll() is not None):
                    tail = ESCAPES.sub(b"", bytes(self._output[-1500:])).decode(errors="replace")
                    raise Timeout("%s: no %r on the console within %d s (qemu %s); the console ends with:\n%s"
                                  % (self.name, pattern, timeout,
                                     "running" if self.process.poll() is None else "exited", tail))
                self._lock.wait(min(remaining, 1.0))

    def _raw_end(self, stripped_end):
        raw = bytes(self._output[self._position:])
        kept = 0
        index = 0
        while index < len(raw) and kept < stripped_end:
            match = ESCAPES.match(raw, index)
            if match:
                index = match.end()
            else:
                index += 1
                kept += 1
        return self._position + index

    def send(self, line):
        """Types line and Enter."""
        self._socket.sendall(line.encode() + b"\r")

    def answer(self, prompt, line, timeout=120):
        """Waits for a prompt, then types the answer."""
        self.expect(re.escape(prompt), timeout)
        self.send(line)

    def monitor(self, command):
        """One command on qemu's human monitor."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as mon:
            mon.connect(self.monitor_path)
            mon.sendall(command.encode() + b"\n")
            time.sleep(0.5)

    def login(self, password, timeout=300):
        self.answer("login: ", "root", timeout)
        self.answer("Password: ", password, 60)
        self.expect(r"root@[^:]*:[^#]*# ", 60)

    def shell(self, command, timeout=60):
        """Runs a command in the logged-in root shell; returns its output."""
        marker = "done-%d" % int(time.monotonic() * 1000)
        self.send("%s; echo %s" % (command, marker))
        # The echo of the typed line holds the marker after "echo "; the output's own line starts with it.
        match = self.expect(r"(?s)echo %s\n(.*?)\n%s\n" % (marker, marker), timeout)
        return match.group(1).decode(errors="replace")

    def wait_exit(self, timeout):
        try:
            self.process.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self._socket:
            self._socket.close()
        for path in (self.serial_path, self.monitor_path):
            if os.path.exists(path):
                os.unlink(path)

    def remove_disk(self):
        for path in (self.overlay, os.path.join(self.workdir, self.name + ".vars.fd")):
            if path and os.path.exists(path):
                os.unlink(path)
