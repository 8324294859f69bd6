"""Subject registry (信用主体): enterprises, individual businesses, persons, government bodies,
villages and carriers (buildings, parks, markets)."""
