from drillbreak.cli import main

raise SystemExit(main())
