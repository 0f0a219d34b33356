from drillbreak.main import main

raise SystemExit(main())
