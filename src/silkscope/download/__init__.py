"""Getting the published data files: one resumable, checksummed download per file into a cache
folder, from the publishers' own addresses (World Bank API, CEPII, UN Comtrade), so that
``silkscope import …`` then reads them exactly as published."""
