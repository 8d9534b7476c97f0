/* Foundry's version: defined here once; CMake reads it from this file. */
#ifndef FOUNDRY_VERSION_H
#define FOUNDRY_VERSION_H

#define FOUNDRY_VERSION_MAJOR 0
#define FOUNDRY_VERSION_MINOR 1
#define FOUNDRY_VERSION_PATCH 0

#endif
