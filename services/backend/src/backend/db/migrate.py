"""Schema migrations: `python -m backend.db.migrate [upgrade|current|check]` (DATABASE_URL)."""

import sys
from pathlib import Path

from dapr_common.postgres import Migrations, SchemaBehind

migrations = Migrations(Path(__file__).parent / "migrations", "backend.db.migrate")
ensure_current = migrations.ensure_current
head_revision = migrations.head

__all__ = ["SchemaBehind", "ensure_current", "head_revision", "migrations"]

if __name__ == "__main__":
    sys.exit(migrations.main(sys.argv[1:]))
