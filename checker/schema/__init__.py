"""What a valid file is: the models, the records generated from them, validation,
field forms, a pack's declared fields, JSON Schemas."""
