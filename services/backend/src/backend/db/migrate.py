"""Schema migrations: `python -m backend.db.migrate [upgrade|current|check]` (DATABASE_URL)."""

import sys
from pathlib import Path

from dapr_common.postgres import Migrations

migrations = Migrations(Path(__file__).parent / "migrations", "backend.db.migrate")
if __name__ == "__main__":
    sys.exit(migrations.main(sys.argv[1:]))
