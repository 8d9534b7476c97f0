// placeholder so the area library has a source; replaced as the area grows
