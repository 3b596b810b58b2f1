"""The Store on Redis, for several workers or hosts: memory, dedup claims and feedback shared, with TTLs."""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from bot.common.errors import ConfigError, StoreError
from bot.common.models import Feedback, Turn

from .redis_work import RedisWork
from .store import MAX_TURNS, answer_from_json, answer_to_json

CONVERSATION_TTL_S = 7 * 86400  # a quiet conversation is forgotten after a week
ANSWER_TTL_S = 30 * 86400  # feedback buttons keep working for a month
FEEDBACK_KEEP = 10_000


class RedisStore(RedisWork):
    """Keys under `briefbot:`; every write is one round trip (pipelines) so workers never see half a turn."""

    def __init__(self, client: Any, *, prefix: str = "briefbot:", max_turns: int = MAX_TURNS,
                 clock: Callable[[], float] = time.time) -> None:
        self.r = client
        self.prefix = prefix
        self.max_turns = max_turns
        self.clock = clock
        self._init_work()

    @property
    def client(self) -> Any:
        """The Redis client, for the parts that share it (the answer gate)."""
        return self.r

    @classmethod
    def connect(cls, url: str) -> RedisStore:
        """Connect and ping now, so a wrong REDIS_URL fails at start with a message, not at the first question."""
        try:
            import redis  # optional: the server extra; its absence is the error below
        except ImportError:
            raise ConfigError("REDIS_URL is set but the redis package is missing: pip install -e '.[server]'") from None
        try:
            client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2, decode_responses=True,
                                          health_check_interval=10)
            client.ping()
        except ValueError:
            raise ConfigError("REDIS_URL is not a valid Redis URL (redis://host:port/db).") from None
        except redis.RedisError as exc:
            raise StoreError(f"Cannot reach Redis at REDIS_URL ({type(exc).__name__}). Is the server running?") from None
        return cls(client)

    def _k(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def _call(self, fn, *args: Any, **kwargs: Any) -> Any:
        import redis  # optional: the server extra (connect checked it is there)

        try:
            return fn(*args, **kwargs)
        except redis.RedisError as exc:
            raise StoreError(f"The shared state store (Redis) failed: {type(exc).__name__}.") from exc

    def turns(self, conversation_id: str) -> list[Turn]:
        raw = self._call(self.r.lrange, self._k("conv", conversation_id), -self.max_turns, -1)
        return [Turn(d["question"], answer_from_json(d["answer"]), d["at"]) for d in map(json.loads, raw)]

    def add_turn(self, conversation_id: str, turn: Turn) -> None:
        key = self._k("conv", conversation_id)
        answer = answer_to_json(turn.answer)
        pipe = self.r.pipeline(transaction=True)
        pipe.rpush(key, json.dumps({"question": turn.question, "answer": answer, "at": turn.at}, ensure_ascii=False))
        pipe.ltrim(key, -self.max_turns, -1)
        pipe.expire(key, CONVERSATION_TTL_S)
        if turn.answer.id:
            record = json.dumps({"conversation": conversation_id, "question": turn.question, "answer": answer,
                                 "at": turn.at}, ensure_ascii=False)
            pipe.set(self._k("answer", turn.answer.id), record, ex=ANSWER_TTL_S)
        self._call(pipe.execute)

    def reset(self, conversation_id: str) -> None:
        self._call(self.r.delete, self._k("conv", conversation_id))

    def find_answer(self, answer_id: str) -> tuple[str, Turn] | None:
        raw = self._call(self.r.get, self._k("answer", answer_id))
        if raw is None:
            return None
        d = json.loads(raw)
        return d["conversation"], Turn(d["question"], answer_from_json(d["answer"]), d["at"])

    def claim(self, key: str, ttl_s: float) -> bool:
        return bool(self._call(self.r.set, self._k("claim", key), "1", nx=True, px=max(1, int(ttl_s * 1000))))

    def add_feedback(self, feedback: Feedback) -> bool:
        record = json.dumps(feedback.to_dict(), ensure_ascii=False)
        member = f"{feedback.answer_id}|{feedback.user}"
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(self._k("feedback"), member, record)
        pipe.zadd(self._k("feedback", "by_time"), {member: feedback.at})
        pipe.zremrangebyrank(self._k("feedback", "by_time"), 0, -FEEDBACK_KEEP - 1)
        self._call(pipe.execute)
        return True

    def feedback(self, limit: int = 100) -> list[Feedback]:
        members = self._call(self.r.zrevrange, self._k("feedback", "by_time"), 0, limit - 1)
        if not members:
            return []
        out = []
        for raw in self._call(self.r.hmget, self._k("feedback"), members):
            if raw is None:
                continue
            out.append(Feedback.from_dict(json.loads(raw)))
        return out

    def ping(self) -> None:
        """A real write (with a short expiry), so /healthz is red while Redis refuses writes, not only when it is gone."""
        self._call(self.r.set, self._k("health"), str(self.clock()), ex=60)

    def close(self) -> None:
        try:
            self.r.close()
        except Exception:
            pass
