// placeholder until the chat layer lands
