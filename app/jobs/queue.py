"""The job transport: SqliteHuey under var/ by default, RedisHuey when COACH_REDIS_URL is set.
The database stays the source of truth; a message only says which record to work on."""

from huey import Huey, RedisHuey, SqliteHuey

from app.config import Settings, get_settings


def build_huey(settings: Settings) -> Huey:
    if settings.redis_url:
        return RedisHuey("gitops-coach", url=settings.redis_url)
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("gitops-coach", filename=str((settings.var_dir / "jobs.db").resolve()))


huey = build_huey(get_settings())
