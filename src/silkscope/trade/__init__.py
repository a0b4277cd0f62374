"""Cultural trade: competitiveness indicators and economic complexity."""
