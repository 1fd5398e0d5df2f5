from burnwise.cli import main

raise SystemExit(main())
