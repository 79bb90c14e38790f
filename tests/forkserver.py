"""Tool runs of the tests in interpreters that start with the third-party stack imported.

A test that runs a tool (``python tools/train.py CONFIG ...``, a stock ``train.py``, ``python
-m mmseg_inceptionnext ...``) as a user runs it needs a process of its own: the tool reads its
command line, builds a runner, registers modules and exits. What it does not need is to spend
six seconds of its ten importing torch, timm, mmengine, mmcv, MMSegmentation and MMDetection,
the first lines every such process runs. This module keeps one *server* per test process that
has imported them (and nothing of this repository), and forks it for each run:
:func:`run` and :class:`Popen` take the arguments of :func:`subprocess.run` /
:class:`subprocess.Popen` for ``[sys.executable, ...]`` command lines.

What a forked run is given, as a fresh ``python`` would have it: the command line (``-W``,
``-u``, ``-c CODE``, ``-m MODULE`` or a script, and ``sys.argv``), the working folder, the
environment (``os.environ``; ``PYTHONPATH`` becomes ``sys.path`` as at start-up), ``sys.path[0]``,
standard input and output, fresh seeds for ``random``, NumPy and torch, the warning filters
(those of the imports, then the ``-W`` options, then Python's defaults), default signal
handlers, resource limits (``rlimits``, for what ``preexec_fn`` did), ``atexit`` handlers and
the exit code. mmengine's ``Config`` is patched by the start-up hook as at any start.

What it is not given: a process whose imports are still to happen. So whatever checks how a
process starts (what an import imports, the start-up hook switched off, warnings raised while
importing, a package hidden from the path) runs in a real fresh interpreter, with
:mod:`subprocess`; so does every run whose environment changes what the imports read
(``PYTHON*``, ``TORCH*``, ``OMP_*``, ``MKL_*``, ``KMP_*``, ``LD_*``, ``CUDA*``, the start-up
switch): the server refuses those rather than fork a process that would differ. Excepted are
``PYTHONPATH`` (it becomes ``sys.path``), ``OMP_NUM_THREADS`` / ``MKL_NUM_THREADS`` (the run
calls ``torch.set_num_threads``) and the cache folders torch reads when it uses them
(``TORCH_HOME``, ``TORCHINDUCTOR_CACHE_DIR``). Set ``TESTS_FRESH_INTERPRETERS=1`` to run
every tool with :mod:`subprocess` instead (the same tests, slower).

:meth:`Server.client_command` is a ``python`` for ``PATH`` (the README walkthrough of
``tests/test_wheel.py`` runs through one, in the wheel's environment).

Inside the forked run only: yapf's ``FormatCode``, which mmengine calls for its config text
five times a run (0.7 s each for our configs), returns the text it returned before for the same
input and style (a pure function, memoized; the text is identical).
"""
import json
import os
import os.path as osp
import socket
import struct
import subprocess
import sys
import tempfile
import time

#: Imported by the server before it forks: what a tool run imports anyway.
STACK = ('numpy', 'torch', 'torchvision', 'timm', 'yapf.yapflib.yapf_api', 'mmengine',
         'mmengine.runner', 'mmengine.config', 'mmcv', 'mmcv.transforms', 'mmcv.ops',
         'mmseg', 'mmseg.apis', 'mmseg.models', 'mmseg.datasets', 'mmseg.engine',
         'mmseg.evaluation', 'mmseg.visualization', 'mmseg.structures', 'mmseg.utils',
         'mmdet', 'mmdet.apis', 'mmdet.models', 'mmdet.datasets', 'mmdet.engine',
         'mmdet.evaluation', 'mmdet.visualization', 'mmdet.structures', 'mmdet.utils',
         'pycocotools.coco')

#: Environment variables read while the stack imports (or by the interpreter at start-up):
#: a run that sets one differently from the server's is refused (run it with subprocess).
_READ_AT_START = ('PYTHON', 'TORCH', 'OMP_', 'MKL_', 'KMP_', 'LD_', 'CUDA',
                  'MMSEG_INCEPTIONNEXT_STARTUP')
#: ... but for these: the run turns PYTHONPATH into sys.path and the thread counts into
#: torch.set_num_threads; torch reads its cache folders each time it looks for them (and
#: inductor sets TORCHINDUCTOR_CACHE_DIR in the environment the first time it compiles).
_THREADS = ('OMP_NUM_THREADS', 'MKL_NUM_THREADS')
_SET_BY_THE_RUN = ('PYTHONPATH', 'TORCH_HOME', 'TORCHINDUCTOR_CACHE_DIR')

#: The environment the server starts with: this process's as it was when the tests were
#: collected (before any test's monkeypatch).
_SERVER_ENV = dict(os.environ)


def fresh_interpreters() -> bool:
    return os.environ.get('TESTS_FRESH_INTERPRETERS', '').strip() not in ('', '0')


# -- the client ---------------------------------------------------------------------------------

class Server:
    """A server process: ``python`` (this interpreter by default) with the stack imported,
    started in ``env`` (this process's environment as the tests were collected)."""

    def __init__(self, python: str = sys.executable, env: dict = None):
        self.python = str(python)
        self.dir = tempfile.mkdtemp(prefix='forkserver-')
        self.address = osp.join(self.dir, 'socket')
        self.log = osp.join(self.dir, 'server.log')
        with open(self.log, 'w') as log:
            self.proc = subprocess.Popen([self.python, osp.abspath(__file__), self.address],
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                         env=_SERVER_ENV if env is None else env, cwd=self.dir)
        deadline = time.time() + 600
        while not osp.exists(self.address + '.ready'):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f'the fork server did not start:\n{self.tail()}')
            time.sleep(0.05)

    def client_command(self) -> list:
        """A command line that runs ``python ARGS`` through this server when ``ARGS`` are
        appended (for a ``python`` shim on ``PATH``): a client of the standard library only,
        which passes on its standard streams, folder and environment and exits with the
        run's code."""
        return [self.python, '-I', '-S', osp.abspath(__file__), '--client', self.address]

    def tail(self) -> str:
        with open(self.log, errors='replace') as f:
            return f.read()[-3000:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()
        import shutil
        shutil.rmtree(self.dir, ignore_errors=True)


_SERVER = None


def _server() -> Server:
    global _SERVER
    if _SERVER is None or _SERVER.proc.poll() is not None:
        import atexit
        _SERVER = Server()
        atexit.register(_SERVER.stop)
    return _SERVER


def _send(sock, payload: dict, fds=()):
    data = json.dumps(payload).encode()
    socket.send_fds(sock, [struct.pack('!I', len(data)) + data], list(fds))


def _recv_line(sock) -> dict:
    buf = b''
    while not buf.endswith(b'\n'):
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError('the fork server closed the connection')
        buf += chunk
    return json.loads(buf)


def _env_differs(env: dict, started: dict, imported: dict):
    """Why the server cannot run with ``env``: the variables that the start-up reads and
    that differ from the server's (as it started, or as its imports left them: cv2 amends
    LD_LIBRARY_PATH), or None."""
    keys = {k for k in set(env) | set(started) if k.startswith(_READ_AT_START)}
    differ = sorted(k for k in keys - set(_SET_BY_THE_RUN)
                    if env.get(k) not in (started.get(k), imported.get(k))
                    and not (k in _THREADS and k in env and env[k].isdigit()))
    if differ:
        return (f'{differ} differ from the fork server\'s environment and are read at '
                'start-up: run this command with subprocess')
    return None


class Popen:
    """:class:`subprocess.Popen` for ``[sys.executable, ...]``, forked from the server.

    ``stdout`` / ``stderr``: None (this process's), ``subprocess.DEVNULL``, ``subprocess.PIPE``
    (read once the run has ended: :meth:`communicate`) or an open file; ``stderr`` may be
    ``subprocess.STDOUT``. ``rlimits``: ``{'RLIMIT_FSIZE': (soft, hard)}`` set in the run.
    """

    def __init__(self, args, *, cwd=None, env=None, stdin=None, stdout=None, stderr=None,
                 text=False, rlimits=None, server=None):
        args = [str(a) for a in args]
        server = server or _server()
        if args[0] != server.python:
            raise ValueError(f'not a command of the server\'s interpreter: {args[0]}')
        self.args, self.text, self.returncode = args, text, None
        env = dict(os.environ if env is None else env)
        self._files, fds = [], []
        for stream, which in ((stdin, 'r'), (stdout, 'w'), (stderr, 'w')):
            if stream is subprocess.STDOUT:
                fds.append(fds[1])
                continue
            if stream is None:
                fds.append(len(fds))
                continue
            if stream is subprocess.DEVNULL:
                stream = open(os.devnull, which + 'b')
                self._files.append((None, stream))
            elif stream is subprocess.PIPE:
                if which == 'r':
                    raise ValueError('stdin=PIPE: pass input= to run() instead')
                stream = tempfile.TemporaryFile()
                self._files.append((len(fds), stream))
            fds.append(stream.fileno())
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.connect(server.address)
        _send(self._sock, dict(argv=args[1:], cwd=osp.abspath(cwd or os.getcwd()), env=env,
                               rlimits=rlimits or {}), fds)
        reply = _recv_line(self._sock)
        if 'error' in reply:
            self._sock.close()
            raise ValueError(reply['error'])
        self.pid = reply['pid']

    def poll(self):
        if self.returncode is None:
            self._sock.setblocking(False)
            try:
                self._status(_recv_line(self._sock))
            except BlockingIOError:
                pass
            finally:
                self._sock.setblocking(True)
        return self.returncode

    def _status(self, message):
        self.returncode = message['returncode']
        self._sock.close()

    def wait(self, timeout=None):
        if self.returncode is None:
            self._sock.settimeout(timeout)
            try:
                self._status(_recv_line(self._sock))
            except socket.timeout:
                raise subprocess.TimeoutExpired(self.args, timeout) from None
            finally:
                if self.returncode is None:
                    self._sock.settimeout(None)
        return self.returncode

    def kill(self):
        self.send_signal(9)

    def send_signal(self, sig):
        if self.returncode is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def communicate(self, timeout=None):
        self.wait(timeout)
        out = {}
        for index, stream in self._files:
            if index is not None:
                stream.seek(0)
                data = stream.read()
                out[index] = data.decode(errors='replace') if self.text else data
            stream.close()
        self._files = []
        return out.get(1), out.get(2)


def start(args, *, cwd=None, env=None, stdout=None, stderr=None, text=False):
    """:class:`Popen` (forked from the server), or :class:`subprocess.Popen` under
    ``TESTS_FRESH_INTERPRETERS=1``."""
    cls = subprocess.Popen if fresh_interpreters() else Popen
    return cls(args, cwd=cwd, env=env, stdout=stdout, stderr=stderr, text=text)


def run(args, *, cwd=None, env=None, input=None, capture_output=False, text=False, check=False,
        timeout=None, stdout=None, stderr=None, rlimits=None) -> subprocess.CompletedProcess:
    """:func:`subprocess.run` for ``[sys.executable, ...]``: forked from the server, or with
    :mod:`subprocess` under ``TESTS_FRESH_INTERPRETERS=1``."""
    if capture_output:
        stdout = stderr = subprocess.PIPE
    if fresh_interpreters():
        preexec = (lambda: _set_rlimits(rlimits)) if rlimits else None
        return subprocess.run(args, cwd=cwd, env=env, input=input, stdout=stdout, stderr=stderr,
                              text=text, check=check, timeout=timeout, preexec_fn=preexec)
    stdin = subprocess.DEVNULL
    if input is not None:
        stdin = tempfile.TemporaryFile()
        stdin.write(input.encode() if isinstance(input, str) else input)
        stdin.seek(0)
    try:
        proc = Popen(args, cwd=cwd, env=env, stdin=stdin, stdout=stdout, stderr=stderr,
                     text=text, rlimits=rlimits)
    finally:
        if input is not None:
            stdin.close()
    try:
        out, err = proc.communicate(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise
    done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    if check:
        done.check_returncode()
    return done


def _set_rlimits(rlimits):
    import resource
    for name, (soft, hard) in (rlimits or {}).items():
        resource.setrlimit(getattr(resource, name), (soft, hard))


# -- the server ---------------------------------------------------------------------------------

def _serve(address: str):
    import importlib
    import selectors
    import signal
    import warnings
    base_filters = list(warnings.filters)
    started = dict(os.environ)
    for name in STACK:
        importlib.import_module(name)
    ours = sorted(m for m in sys.modules
                  if m.split('.')[0] == 'mmseg_inceptionnext' or m.startswith('tests'))
    if ours:
        raise RuntimeError(f'the stack imported this repository\'s modules: {ours}')
    imported = dict(os.environ)
    stack_filters = list(warnings.filters)
    added = stack_filters[:len(stack_filters) - len(base_filters)]
    start_path = [p for p in sys.path[1:]
                  if p not in os.environ.get('PYTHONPATH', '').split(os.pathsep)]

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(16)
    wake_r, wake_w = socket.socketpair()
    wake_r.setblocking(False)
    wake_w.setblocking(False)
    signal.set_wakeup_fd(wake_w.fileno())
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    parent = os.getppid()
    running = {}  # pid -> connection
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    selector.register(wake_r, selectors.EVENT_READ)
    open(address + '.ready', 'w').close()
    while True:
        for key, _ in selector.select(timeout=1.0):
            if key.fileobj is wake_r:
                try:
                    wake_r.recv(4096)
                except BlockingIOError:
                    pass
            else:
                conn, _ = listener.accept()
                request, fds = _recv_request(conn)
                refused = _env_differs(request['env'], started, imported)
                if refused:
                    for fd in set(fds):
                        os.close(fd)
                    conn.sendall(json.dumps(dict(error=refused)).encode() + b'\n')
                    conn.close()
                    continue
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    selector.close()
                    for sock in (listener, wake_r, wake_w):
                        sock.close()
                    for other in running.values():
                        other.close()
                    signal.set_wakeup_fd(-1)
                    _child(conn, request, fds, added, base_filters, start_path)
                for fd in set(fds):
                    os.close(fd)
                conn.sendall(json.dumps(dict(pid=pid)).encode() + b'\n')
                running[pid] = conn
        while running:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            conn = running.pop(pid, None)
            if conn is not None:
                try:
                    conn.sendall(json.dumps(dict(
                        returncode=os.waitstatus_to_exitcode(status))).encode() + b'\n')
                except OSError:
                    pass
                conn.close()
        if os.getppid() != parent:
            sys.exit(0)


def _recv_request(conn):
    msg, fds, _, _ = socket.recv_fds(conn, 4, 3)
    (length, ) = struct.unpack('!I', msg[:4])
    data = msg[4:]
    while len(data) < length:
        data += conn.recv(length - len(data))
    return json.loads(data), fds


def _child(conn, request, fds, added_filters, base_filters, start_path):
    """In the forked process: become ``python ARGV`` and exit with its code."""
    import atexit
    import random
    import runpy
    import signal
    import threading
    import traceback
    import types
    import warnings

    import numpy as np
    import torch
    conn.close()
    for sig in (signal.SIGCHLD, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for target, fd in enumerate(fds):
        if fd != target:
            os.dup2(fd, target)
    for fd in set(fds):
        if fd > 2:
            os.close(fd)
    code = 0
    try:
        _set_rlimits(request['rlimits'])
        os.chdir(request['cwd'])
        os.environ.clear()
        os.environ.update(request['env'])
        random.seed()
        np.random.seed()
        torch.seed()
        threads = request['env'].get('OMP_NUM_THREADS') or request['env'].get('MKL_NUM_THREADS')
        if threads and threads.isdigit() and int(threads) != torch.get_num_threads():
            torch.set_num_threads(int(threads))

        argv = list(request['argv'])
        options = []
        while argv and argv[0].startswith('-') and argv[0] not in ('-c', '-m'):
            flag = argv.pop(0)
            if flag == '-W':
                options.append(argv.pop(0))
            elif flag.startswith('-W'):
                options.append(flag[2:])
            elif flag == '-u':
                sys.stdout.reconfigure(write_through=True)
                sys.stderr.reconfigure(write_through=True)
            else:
                raise SystemExit(f'forkserver: option {flag} is not supported')
        warnings.filters[:] = base_filters
        sys.warnoptions[:] = options
        warnings._processoptions(options)
        warnings.filters[:0] = added_filters
        warnings._filters_mutated()

        from mmengine.config import config as mmengine_config
        from yapf.yapflib import yapf_api
        memo = {}
        format_code = yapf_api.FormatCode

        def memo_format_code(text, *args, **kwargs):
            key = (text, repr(args), repr(sorted(kwargs.items())))
            if key not in memo:
                memo[key] = format_code(text, *args, **kwargs)
            return memo[key]
        mmengine_config.FormatCode = memo_format_code

        python_path = [p for p in request['env'].get('PYTHONPATH', '').split(os.pathsep) if p]
        if argv[0] == '-c':
            sys.argv = ['-c', *argv[2:]]
            sys.path[:] = ['', *python_path, *start_path]
            main = types.ModuleType('__main__')
            main.__builtins__ = __builtins__
            sys.modules['__main__'] = main
            exec(compile(argv[1], '<string>', 'exec'), vars(main))
        elif argv[0] == '-m':
            sys.argv = [argv[1], *argv[2:]]
            sys.path[:] = [os.getcwd(), *python_path, *start_path]
            runpy.run_module(argv[1], run_name='__main__', alter_sys=True)
        else:
            script = osp.abspath(argv[0])
            sys.argv = list(argv)
            sys.path[:] = [osp.dirname(script), *python_path, *start_path]
            runpy.run_path(script, run_name='__main__')
    except SystemExit as exc:
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:
        kind, value, tb = sys.exc_info()
        traceback.print_exception(kind, value, tb.tb_next)  # from the run's own frames
        code = 1
    try:
        threading._shutdown()
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def _client(address: str, argv) -> int:
    """``python ARGV`` through the server at ``address``, with this process's standard
    streams, folder and environment; returns the exit code (a signal's death is passed on)."""
    import signal
    server = Server.__new__(Server)
    server.python, server.address = sys.executable, address
    proc = Popen([sys.executable, *argv], server=server)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda number, _: proc.send_signal(number))
    code = proc.wait()
    if code < 0:  # die of the same signal (SIGKILL cannot be caught: it needs no reset)
        if -code != signal.SIGKILL:
            signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    return code


if __name__ == '__main__':
    if sys.argv[1] == '--client':
        sys.exit(_client(sys.argv[2], sys.argv[3:]))
    _serve(sys.argv[1])
