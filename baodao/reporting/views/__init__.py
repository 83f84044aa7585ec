"""Pages of 双报到, one module per audience: unit secretaries, community staff, admins, members."""
