"""Partner countries: cultural, geographic and economic distance, gravity models, tiers."""
