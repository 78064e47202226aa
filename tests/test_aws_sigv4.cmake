# End to end: examples/aws_server driven by curl --aws-sigv4, botocore (SigV4Auth, S3SigV4Auth,
# S3SigV4QueryAuth, an S3 client with endpoint_url) and a hand-signed aws-chunked upload.
if(AUTHWIRE_BUILD_EXAMPLES AND AUTHWIRE_HAVE_HTTPLIB)
  add_test(NAME "e2e: AWS SigV4 example server (curl, botocore, presigned, chunked)"
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/aws_sigv4.py $<TARGET_FILE:aws_server>)
endif()
