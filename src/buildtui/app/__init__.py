"""The Textual side of buildtui: app, screens, panes and widgets."""
