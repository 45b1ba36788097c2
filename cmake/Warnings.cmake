# aruntime_set_warnings(target): -Wall -Wextra on our own code, with the project kept at zero warnings.
function(aruntime_set_warnings target)
  # C++ sources only: the CUDA sources of providers/gpu get their flags from providers/CMakeLists.txt.
  target_compile_options(${target} PRIVATE "$<$<COMPILE_LANGUAGE:CXX>:-Wall;-Wextra;-Wno-unused-parameter>")
  # GCC 12 reports impossible -Wrestrict overlaps inside std::string concatenation at -O2
  # (GCC bug 105329); the diagnostic is noise there, so it is off for that compiler only.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE "$<$<COMPILE_LANGUAGE:CXX>:-Wno-restrict>")
    # ... and, with -march=native, "(may be) used uninitialized" inside its own AVX-512 intrinsic
    # headers (the `__Y = __Y` idiom of _mm512_undefined_*; GCC bug 105593, fixed in GCC 13).
    # Debug builds keep both diagnostics.
    if(CMAKE_BUILD_TYPE STREQUAL "Release" AND ARUNTIME_NATIVE)
      target_compile_options(${target} PRIVATE "$<$<COMPILE_LANGUAGE:CXX>:-Wno-maybe-uninitialized;-Wno-uninitialized>")
    endif()
  endif()
  if(CMAKE_BUILD_TYPE STREQUAL "Release" AND ARUNTIME_NATIVE)
    target_compile_options(${target} PRIVATE "$<$<COMPILE_LANGUAGE:CXX>:-march=native>")
  endif()
endfunction()

# aruntime_library(name DIR): a static library from every .cc file in DIR (recursively).
function(aruntime_library name dir)
  file(GLOB_RECURSE _srcs CONFIGURE_DEPENDS ${dir}/*.cc)
  add_library(${name} STATIC ${_srcs})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/include)
  aruntime_set_warnings(${name})
endfunction()
