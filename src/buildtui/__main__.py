from buildtui.entry import main

raise SystemExit(main())
