"""Operations that change accounts state, one module per topic (users, notifications, cameos)."""
