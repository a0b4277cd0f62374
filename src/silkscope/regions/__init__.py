"""Regional disparity, convergence, distribution dynamics, coupling and obstacles (issue 17)."""
