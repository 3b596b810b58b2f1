"""The work log (bot/state/work.py) on Redis: a hash per question and one sorted set of unfinished ones by lease end.

Each change is one Lua script, so two workers never both take the same question.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .work import DONE_KEEP_S, Work

UNFINISHED_TTL_S = 7 * 86400  # an unfinished record nobody could answer in a week is dropped

# KEYS: the record, the open set; ARGV: key, payload, owner, now, lease end, ttl
_BEGIN = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'payload', ARGV[2], 'reply', '', 'owner', ARGV[3], 'done', '0', 'attempts', '1')
  redis.call('EXPIRE', KEYS[1], ARGV[6])
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
  return {'new', ARGV[2], '', '1'}
end
local f = redis.call('HMGET', KEYS[1], 'payload', 'reply', 'owner', 'done', 'attempts')
if f[4] == '1' then return {'done', f[1], f[2] or '', f[5] or '1'} end
local lease = tonumber(redis.call('ZSCORE', KEYS[2], ARGV[1]) or '0')
if lease > tonumber(ARGV[4]) and f[3] ~= ARGV[3] then return {'busy', f[1], f[2] or '', f[5] or '1'} end
local n = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[1], 'owner', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
return {'resumed', f[1], f[2] or '', tostring(n)}
"""

# KEYS: the open set; ARGV: prefix, owner, lease end (0: release), keys…
_LEASE = """
for i = 4, #ARGV do
  local owner = redis.call('HGET', ARGV[1] .. ARGV[i], 'owner')
  if owner == ARGV[2] and redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], ARGV[3], ARGV[i])
  end
end
return 0
"""

# KEYS: the open set; ARGV: prefix, owner, now, lease end, limit
_ORPHANS = """
local keys = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[3], 'LIMIT', 0, tonumber(ARGV[5]))
local out = {}
for _, k in ipairs(keys) do
  local h = ARGV[1] .. k
  if redis.call('EXISTS', h) == 0 then
    redis.call('ZREM', KEYS[1], k)
  else
    redis.call('ZADD', KEYS[1], ARGV[4], k)
    redis.call('HSET', h, 'owner', ARGV[2])
    local n = redis.call('HINCRBY', h, 'attempts', 1)
    local f = redis.call('HMGET', h, 'payload', 'reply')
    table.insert(out, {k, f[1], f[2] or '', tostring(n)})
  end
end
return out
"""


class RedisWork:
    """Mixed into RedisStore."""

    r: Any
    prefix: str
    clock: Callable[[], float]

    def _k(self, *parts: str) -> str:  # provided by RedisStore
        raise NotImplementedError

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:  # provided by RedisStore
        raise NotImplementedError

    def _init_work(self) -> None:
        self._begin = self.r.register_script(_BEGIN)
        self._lease = self.r.register_script(_LEASE)
        self._orphans = self.r.register_script(_ORPHANS)
        self._record = self._k("work", "")

    def _open(self, key_or_prefix: str) -> str:
        """Unfinished work is indexed per platform (the key's first part), so each adapter takes up only its own."""
        return self._k("work", "open", key_or_prefix.split(":", 1)[0])

    def begin_work(self, work: Work, owner: str, lease_s: float) -> tuple[str, Work]:
        now = self.clock()
        state, payload, reply, attempts = self._call(
            self._begin, keys=[self._record + work.key, self._open(work.key)],
            args=[work.key, work.payload, owner, now, now + lease_s, int(UNFINISHED_TTL_S)])
        return state, Work(work.key, payload, reply, int(attempts))

    def note_reply(self, key: str, reply_id: str) -> None:
        self._call(self.r.hset, self._record + key, "reply", reply_id)

    def _set_leases(self, keys: list[str], owner: str, until: float) -> None:
        groups: dict[str, list[str]] = {}
        for key in keys:
            groups.setdefault(self._open(key), []).append(key)
        for open_set, members in groups.items():
            self._call(self._lease, keys=[open_set], args=[self._record, owner, until, *members])

    def renew_work(self, keys: list[str], owner: str, lease_s: float) -> None:
        self._set_leases(keys, owner, self.clock() + lease_s)

    def release_work(self, keys: list[str], owner: str) -> None:
        self._set_leases(keys, owner, 0)

    def finish_work(self, key: str, keep_s: float = DONE_KEEP_S) -> None:
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(self._record + key, mapping={"done": "1", "owner": ""})
        pipe.expire(self._record + key, max(1, int(keep_s)))
        pipe.zrem(self._open(key), key)
        self._call(pipe.execute)

    def orphaned_work(self, owner: str, lease_s: float, limit: int = 50, prefix: str = "") -> list[Work]:
        now = self.clock()
        rows = self._call(self._orphans, keys=[self._open(prefix)],
                          args=[self._record, owner, now, now + lease_s, limit])
        return [Work(k, payload, reply, int(n)) for k, payload, reply, n in rows]

    def unfinished(self, prefix: str = "") -> int:
        return int(self._call(self.r.zcard, self._open(prefix)))
