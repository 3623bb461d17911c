"""Ids the OpenAPI examples share, so one example's delegation is the next one's too (all fake)."""

MEETING = "3f6b2c1a-8d4e-4b7f-9a2c-5e1d0f8b7c64"
KAZAKHSTAN = "2f6c8a4e-1b3d-4e5f-9a7b-8c9d0e1f2a3b"
FOCAL_POINT = "6a9d2c5f-8b1e-4d7a-9c3f-5e8b1a4d7c20"
MOVEMENT = "9e2b5d8a-1c4f-4a7e-b3d6-9f2c5a8e1b47"
APPLICATION = "8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
ORGANISER = "f0a3d6c9-2e5b-4f8a-b1c4-7d0e3a6f9b52"
