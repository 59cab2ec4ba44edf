from buildtui.cli import main

raise SystemExit(main())
