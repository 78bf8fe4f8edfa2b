// placeholder until the net layer lands
