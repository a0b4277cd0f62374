"""Agglomeration, spatial clustering and efficiency of cultural industries."""
