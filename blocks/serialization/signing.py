"""Signing checkpoints with a secret key of the user who wrote them.

Every pickle member of a checkpoint (``_pkl``, and the members written by
:func:`~blocks.serialization.add_to_dump`) gets a signature member,
``_signature/<member>``: a small JSON document listing the SHA-256 digest
of the pickle and of every ``.npy`` member it may refer to, and an
HMAC-SHA256 of that list under the user's secret key. Only the holder of
the key can write a valid signature, so a checkpoint that verifies was
written by this user (with Blocks) and not modified since: that is what
lets :func:`~blocks.serialization.load` unpickle it. Jupyter trusts
notebooks the same way.

The key is 32 random bytes, stored in hexadecimal in the file named by the
``checkpoint_key`` setting (``~/.config/blocks/checkpoint.key`` by
default, ``$BLOCKS_CHECKPOINT_KEY``), created on first use, readable and
writable by the user alone.

"""
import hashlib
import hmac
import json
import logging
import os
import secrets
import stat

from blocks.config import config
from blocks.serialization.common import (
    SIGNATURE_PREFIX, UntrustedCheckpointError)

logger = logging.getLogger(__name__)

#: The format name written into every signature.
SIGNATURE_FORMAT = 'blocks-checkpoint-signature'
SIGNATURE_VERSION = 1
_KEY_BYTES = 32

untrusted_explanation = """\
Unpickling runs code, so Blocks only unpickles checkpoints signed with \
your own key ({key_path}). If you trust this file (you know who wrote it \
and that it was not tampered with), pass trusted=True to load() or \
continue_training(), or --trust to blocks-continue: it is then unpickled \
through the table of trusted globals, and your next checkpoint of it is \
signed with your key. To read only its parameters, which needs no trust \
and unpickles nothing, use load_parameters() or blocks-dump."""


def key_path():
    """The path of the user's checkpoint key (the ``checkpoint_key``
    setting, with ``~`` expanded)."""
    path = config.checkpoint_key
    if not isinstance(path, str) or not path.strip() or \
            os.path.isdir(os.path.expanduser(path)):
        raise UntrustedCheckpointError(
            "the checkpoint_key setting (BLOCKS_CHECKPOINT_KEY) is {!r}: "
            "expected the path of a key file (it is created if missing), "
            "not an empty string or a directory".format(path))
    return os.path.abspath(os.path.expanduser(path))


def _read_key(path):
    with open(path, 'rb') as handle:
        text = handle.read().strip()
    try:
        key = bytes.fromhex(text.decode('ascii'))
    except (UnicodeDecodeError, ValueError) as exc:
        raise UntrustedCheckpointError(
            "the checkpoint key {} is not a hexadecimal key; delete it to "
            "have a new one made (checkpoints signed with it will then need "
            "--trust)".format(path)) from exc
    if len(key) < 16:
        raise UntrustedCheckpointError(
            "the checkpoint key {} is too short ({} bytes); delete it to have "
            "a new one made".format(path, len(key)))
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        logger.warning("the checkpoint key %s can be read by other users "
                       "(mode %o): they could sign checkpoints as you; run "
                       "chmod 600 %s", path, mode, path)
    return key


def get_key(create):
    """The user's checkpoint key.

    Parameters
    ----------
    create : bool
        Create the key if there is none (when writing); when False and
        there is none, return None.

    Returns
    -------
    bytes or None

    """
    path = key_path()
    if os.path.exists(path):
        return _read_key(path)
    if not create:
        return None
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    key = secrets.token_bytes(_KEY_BYTES)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                             0o600)
    except FileExistsError:
        # Another process made it first: use theirs.
        return _read_key(path)
    with os.fdopen(descriptor, 'w') as handle:
        handle.write(key.hex() + '\n')
        handle.flush()
        os.fsync(handle.fileno())
    logger.info("created the key that signs your checkpoints: %s", path)
    return key


def key_id(key):
    """A short public name of a key (not enough to recover it)."""
    return hashlib.sha256(b'blocks key id\0' + key).hexdigest()[:16]


def _canonical(document):
    return json.dumps(document, sort_keys=True,
                      separators=(',', ':')).encode('utf-8')


def make_signature(pickle_member, digests):
    """The signature member of a pickle member.

    Parameters
    ----------
    pickle_member : str
        The name of the pickle member.
    digests : dict
        Maps member names (the pickle and the arrays it may refer to) to
        their SHA-256 digests in hexadecimal.

    Returns
    -------
    bytes
        The JSON document to store as ``_signature/<pickle_member>``.

    """
    key = get_key(create=True)
    document = {'format': SIGNATURE_FORMAT, 'version': SIGNATURE_VERSION,
                'key_id': key_id(key), 'pickle': pickle_member,
                'members': dict(sorted(digests.items()))}
    document['hmac'] = hmac.new(key, _canonical(document),
                                hashlib.sha256).hexdigest()
    return json.dumps(document, sort_keys=True, indent=1).encode('utf-8')


def signature_member(pickle_member):
    """The name of the member signing ``pickle_member``."""
    return SIGNATURE_PREFIX + pickle_member


def verify_signature(data, pickle_member, source):
    """Check a signature document; return the digests it vouches for.

    Parameters
    ----------
    data : bytes or None
        The signature member, None if the checkpoint has none.
    pickle_member : str
        The pickle member it must sign.
    source : str
        The checkpoint, for messages.

    Returns
    -------
    dict
        Member names to SHA-256 digests.

    Raises
    ------
    UntrustedCheckpointError
        If there is no signature, it is malformed, made with another key,
        or does not verify.

    """
    explanation = untrusted_explanation.format(key_path=key_path())
    if data is None:
        raise UntrustedCheckpointError(
            "checkpoint {} is not signed (it has no member {!r}): it was not "
            "written by this version of Blocks, or the signature was removed. "
            "{}".format(source, signature_member(pickle_member), explanation))
    try:
        document = json.loads(data.decode('utf-8'))
        claimed = document.pop('hmac')
        members = document['members']
        valid = (document.get('format') == SIGNATURE_FORMAT and
                 document.get('pickle') == pickle_member and
                 isinstance(members, dict) and isinstance(claimed, str) and
                 all(isinstance(name, str) and isinstance(digest, str)
                     for name, digest in members.items()))
    except (UnicodeDecodeError, ValueError, KeyError, TypeError,
            AttributeError):
        valid = False
    if not valid:
        raise UntrustedCheckpointError(
            "checkpoint {}: its signature {!r} is malformed. {}".format(
                source, signature_member(pickle_member), explanation))
    key = get_key(create=False)
    if key is None:
        raise UntrustedCheckpointError(
            "checkpoint {} is signed, but you have no checkpoint key yet, so "
            "it was not signed by you. {}".format(source, explanation))
    expected = hmac.new(key, _canonical(document),
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, claimed):
        if document.get('key_id') != key_id(key):
            reason = ("it was signed with another key (key id {!r}, yours "
                      "is {!r}): another user or machine wrote it".format(
                          document.get('key_id'), key_id(key)))
        else:
            reason = "its signature does not verify: it was modified"
        raise UntrustedCheckpointError("checkpoint {}: {}. {}".format(
            source, reason, explanation))
    return members


def digest_mismatch(source, member):
    """The error for a member whose contents differ from the signature."""
    return UntrustedCheckpointError(
        "checkpoint {}: member {!r} was modified after the checkpoint was "
        "signed (its SHA-256 digest differs). {}".format(
            source, member,
            untrusted_explanation.format(key_path=key_path())))
