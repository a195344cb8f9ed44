"""One map toolkit: the offline base (:mod:`.base`), shared styles, and each page's map."""
