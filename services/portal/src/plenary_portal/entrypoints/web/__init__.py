"""The portal's pages: sign-in, focal point, participant and organiser staff."""
