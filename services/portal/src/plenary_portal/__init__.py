"""The Plenary portal: web pages for focal points, participants and organiser staff."""
