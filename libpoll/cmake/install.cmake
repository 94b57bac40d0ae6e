# `cmake --install`: the public headers, the library, a CMake package (find_package(libpoll
# 0.1) gives libpoll::libpoll) and libpoll.pc for pkg-config. Nothing of the apps.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS libpoll EXPORT libpollTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/include/mio
                  ${CMAKE_CURRENT_BINARY_DIR}/include/mio
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")

set(libpoll_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/libpoll)
install(EXPORT libpollTargets NAMESPACE libpoll:: DESTINATION ${libpoll_cmake_dir})
configure_package_config_file(${CMAKE_CURRENT_SOURCE_DIR}/cmake/libpollConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/libpollConfig.cmake
                              INSTALL_DESTINATION ${libpoll_cmake_dir})
# 0.x: a minor version may break the API, so only the same minor version is compatible
# (0.1.3 satisfies find_package(libpoll 0.1), 0.2.0 does not).
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/libpollConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/libpollConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/libpollConfigVersion.cmake
        DESTINATION ${libpoll_cmake_dir})

file(RELATIVE_PATH LIBPOLL_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/cmake/libpoll.pc.in
               ${CMAKE_CURRENT_BINARY_DIR}/libpoll.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/libpoll.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
